//! The Spring Data page envelope and a stream over the items of all pages.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::StreamExt as _;

use crate::runtime::error::Error;

/// One page of a list, as returned by TrustX list operations (Spring Data `Page`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items of this page.
    #[serde(default = "Vec::new")]
    pub content: Vec<T>,
    /// The number of items in all pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_elements: Option<i64>,
    /// The number of pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<i32>,
    /// Whether this is the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<bool>,
    /// Whether this is the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<bool>,
    /// The zero-based page number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<i32>,
    /// The number of items in this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_elements: Option<i32>,
    /// The requested page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i32>,
    /// Whether this page is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<bool>,
    /// The sort orders applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Vec<SortOrder>>,
    /// The page request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pageable: Option<Pageable>,
    /// Any other fields.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            content: Vec::new(),
            total_elements: None,
            total_pages: None,
            first: None,
            last: None,
            number: None,
            number_of_elements: None,
            size: None,
            empty: None,
            sort: None,
            pageable: None,
            extra: serde_json::Map::new(),
        }
    }
}

impl<T> Page<T> {
    /// Whether another page follows: `last == false`, or when `last` is missing, this page is
    /// not empty and `number + 1 < total_pages` (or `total_pages` is unknown).
    pub fn has_next(&self) -> bool {
        if self.content.is_empty() {
            return false;
        }
        match self.last {
            Some(last) => !last,
            None => match (self.number, self.total_pages) {
                (Some(n), Some(total)) => n.saturating_add(1) < total,
                _ => true,
            },
        }
    }
}

/// One sort order of a page (Spring Data `Sort.Order`).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SortOrder {
    /// `ASC` or `DESC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// `NATIVE`, `NULLS_FIRST` or `NULLS_LAST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_handling: Option<String>,
    /// Whether the order is ascending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ascending: Option<bool>,
    /// The sorted property.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// Whether the sort ignores case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_case: Option<bool>,
    /// Any other fields.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The page request echoed in a page (Spring Data `Pageable`).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pageable {
    /// The sort orders requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Vec<SortOrder>>,
    /// Whether the request is unpaged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpaged: Option<bool>,
    /// Whether the request is paged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paged: Option<bool>,
    /// The requested page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<i32>,
    /// The requested zero-based page number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_number: Option<i32>,
    /// The offset of the page's first item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// Any other fields.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A stream over the items of all pages of a list; ends after the last page, after
/// `max_items`, or after yielding an error.
pub struct PageStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>,
}

impl<T> std::fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageStream").finish_non_exhaustive()
    }
}

impl<T> Stream for PageStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> PageStream<T> {
    /// Collects every item, stopping at the first error.
    pub async fn collect_all(mut self) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        while let Some(item) = self.inner.next().await {
            items.push(item?);
        }
        Ok(items)
    }
}

struct State<T, F> {
    fetch: F,
    next_page: Option<i32>,
    buffer: VecDeque<T>,
    remaining: Option<usize>,
}

/// Streams the items of a paged list, calling `fetch(page_number)` from `first_page` on.
///
/// Stops after the page with `last == true` (when `last` is missing: after an empty page or
/// when `number + 1 >= total_pages`), after `max_items` items, or after yielding an error.
pub fn paginate<T, F, Fut>(first_page: i32, max_items: Option<usize>, fetch: F) -> PageStream<T>
where
    T: Send + 'static,
    F: FnMut(i32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
{
    let state = State { fetch, next_page: Some(first_page), buffer: VecDeque::new(), remaining: max_items };
    let stream = futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if state.remaining == Some(0) {
                return None;
            }
            if let Some(item) = state.buffer.pop_front() {
                if let Some(r) = state.remaining.as_mut() {
                    *r -= 1;
                }
                return Some((Ok(item), state));
            }
            let page_number = state.next_page.take()?;
            match (state.fetch)(page_number).await {
                Ok(page) => {
                    if page.has_next() {
                        let current = page.number.unwrap_or(page_number);
                        let next = current.saturating_add(1);
                        // Guard against servers that do not advance.
                        if next > page_number {
                            state.next_page = Some(next);
                        }
                    }
                    state.buffer.extend(page.content);
                }
                Err(e) => {
                    state.next_page = None;
                    state.buffer.clear();
                    state.remaining = Some(0);
                    return Some((Err(e), state));
                }
            }
        }
    });
    PageStream { inner: Box::pin(stream) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_spring_page() {
        let json = r#"{"content":[1,2],"pageable":{"sort":[],"pageNumber":0,"pageSize":2,"offset":0,"paged":true,"unpaged":false},
            "totalElements":5,"totalPages":3,"last":false,"first":true,"number":0,"numberOfElements":2,"size":2,"empty":false,
            "sort":[{"direction":"ASC","property":"name","ignoreCase":false,"nullHandling":"NATIVE","ascending":true}],"custom":1}"#;
        let page: Page<i32> = serde_json::from_str(json).unwrap();
        assert_eq!(page.content, vec![1, 2]);
        assert_eq!(page.total_pages, Some(3));
        assert_eq!(page.pageable.as_ref().unwrap().page_size, Some(2));
        assert_eq!(page.sort.as_ref().unwrap()[0].property.as_deref(), Some("name"));
        assert_eq!(page.extra.get("custom"), Some(&serde_json::json!(1)));
        assert!(page.has_next());
        let empty: Page<i32> = serde_json::from_str("{}").unwrap();
        assert!(empty.content.is_empty() && !empty.has_next());
    }
}
