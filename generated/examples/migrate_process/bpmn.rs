//! Reading the BPMN: which cloud functions, custom data forms and custom pages it names (camunda
//! input parameters), at which pinned versions, and rewriting those pins.

use std::collections::BTreeMap;
use std::ops::Range;

use super::assets::Kind;

/// One `inputParameter` with a plain text value.
pub struct Parameter {
    pub name: String,
    pub value: String,
    /// Where the (trimmed) value is in the XML.
    pub span: Range<usize>,
    /// Which `inputOutput` block (task) it belongs to.
    pub block: usize,
}

pub fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

pub fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(at) = rest.find(name) {
        let before = rest[..at].chars().last();
        let after = rest[at + name.len()..].trim_start();
        rest = &rest[at + name.len()..];
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let Some(value) = after.strip_prefix('=').map(str::trim_start) else { continue };
        let quote = value.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        return value[1..].find(quote).map(|end| &value[1..1 + end]);
    }
    None
}

/// The `inputParameter` elements of the BPMN whose value is text (any namespace prefix), in order.
pub fn input_parameters(xml: &str) -> Vec<Parameter> {
    let mut found = Vec::new();
    let (mut pos, mut block) = (0, 0);
    while let Some(open) = xml[pos..].find('<').map(|i| pos + i) {
        let Some(close) = xml[open..].find('>').map(|i| open + i) else { break };
        let tag = &xml[open + 1..close];
        pos = close + 1;
        if tag.starts_with('/') || tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        let element = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or_default();
        let local = element.rsplit(':').next().unwrap_or_default();
        if local == "inputOutput" {
            block += 1;
        }
        if local != "inputParameter" || tag.ends_with('/') {
            continue;
        }
        let Some(name) = attribute(tag, "name") else { continue };
        let Some(end) = xml[pos..].find("</").map(|i| pos + i) else { break };
        let raw = &xml[pos..end];
        if raw.contains('<') {
            continue; // a script, list or map: not a name
        }
        let start = pos + (raw.len() - raw.trim_start().len());
        let span = start..start + raw.trim().len();
        found.push(Parameter { name: unescape_xml(name), value: unescape_xml(raw.trim()), span, block });
    }
    found
}

/// An asset the BPMN names: its kind, name and pinned version, and where each pin is written.
#[derive(Debug, Default)]
pub struct BpmnUses {
    /// (kind, name, pinned version) → spans of the version text to rewrite.
    pub assets: BTreeMap<(Kind, String, Option<i32>), Vec<Range<usize>>>,
    pub watchlists: Vec<String>,
    pub computed: Vec<String>,
}

pub fn bpmn_uses(xml: &str) -> BpmnUses {
    let parameters = input_parameters(xml);
    let mut uses = BpmnUses::default();
    for p in &parameters {
        if p.name == "watchlistName" && !uses.watchlists.contains(&p.value) {
            uses.watchlists.push(p.value.clone());
        }
        for kind in [Kind::CloudFunction, Kind::DataForm, Kind::CustomPage] {
            let Some((name_param, version_param)) = kind.bpmn_parameters() else { continue };
            if p.name != name_param {
                continue;
            }
            if p.value.contains("${") || p.value.contains("#{") || p.value.is_empty() {
                uses.computed.push(format!("{} `{}`", kind.label(), p.value));
                continue;
            }
            let pin = parameters.iter().find(|v| v.block == p.block && v.name == version_param);
            let pinned = pin.and_then(|v| v.value.parse::<i32>().ok().map(|n| (n, v.span.clone())));
            let key = (kind, p.value.clone(), pinned.as_ref().map(|(n, _)| *n));
            let spans = uses.assets.entry(key).or_default();
            if let Some((_, span)) = pinned {
                spans.push(span);
            }
        }
    }
    uses
}

/// The BPMN with each span replaced by its text (spans do not overlap).
pub fn rewrite(xml: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(span, _)| span.start);
    let mut out = String::with_capacity(xml.len());
    let mut at = 0;
    for (span, text) in edits {
        out.push_str(&xml[at..span.start]);
        out.push_str(&text);
        at = span.end;
    }
    out.push_str(&xml[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::Kind;

    const BPMN: &str = r#"<bpmn:definitions xmlns:camunda="http://camunda.org/schema/1.0/bpmn">
      <bpmn:serviceTask id="a"><bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="functionName">checkAge</camunda:inputParameter>
        <camunda:inputParameter name="functionVersion"> 2 </camunda:inputParameter>
        <camunda:inputParameter name="processVariables"><camunda:list /></camunda:inputParameter>
      </camunda:inputOutput></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:userTask id="b"><bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name='dataFormName'>kyc &amp; aml</camunda:inputParameter>
        <camunda:inputParameter name="functionVersion">9</camunda:inputParameter>
        <camunda:inputParameter name="watchlistName">pep</camunda:inputParameter>
      </camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>
      <bpmn:userTask id="c"><bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="customPageName">${page}</camunda:inputParameter>
      </camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>
    </bpmn:definitions>"#;

    #[test]
    fn finds_names_and_pins_per_task() {
        let uses = bpmn_uses(BPMN);
        let keys: Vec<_> = uses.assets.keys().cloned().collect();
        assert_eq!(
            keys,
            [(Kind::CloudFunction, "checkAge".to_owned(), Some(2)), (Kind::DataForm, "kyc & aml".to_owned(), None)]
        );
        assert_eq!(uses.watchlists, ["pep"]);
        assert_eq!(uses.computed, ["custom page `${page}`"]);
        let spans = &uses.assets[&(Kind::CloudFunction, "checkAge".to_owned(), Some(2))];
        let rewritten = rewrite(BPMN, spans.iter().map(|s| (s.clone(), "17".to_owned())).collect());
        assert!(rewritten.contains("name=\"functionVersion\"> 17 </"), "{rewritten}");
        assert!(rewritten.contains("name=\"functionVersion\">9</"), "the other task's pin stays");
    }
}
