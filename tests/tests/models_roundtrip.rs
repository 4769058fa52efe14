//! Behaviour of the generated models of the real `trustx` crate: unknown enum values and unknown
//! fields survive a round trip, optional / nullable fields keep absent vs null vs value apart, and
//! pages keep fields they do not know. (The required + nullable combination does not occur in
//! `spec/trustx.yaml`; the `nullable.yaml` fixture crate covers all four, see `fixtures_compile.rs`.)

use serde_json::{json, Value};
use trustx::models::{ApiKey, ApiKeyPage, ApiKeyStatus, FaceWatchlist, IssuedToken};

#[test]
fn unknown_enum_value_round_trips() {
    let status: ApiKeyStatus = serde_json::from_value(json!("SOMETHING_NEW")).expect("any string parses");
    assert_eq!(status, ApiKeyStatus::Unknown("SOMETHING_NEW".into()));
    assert!(status.is_unknown());
    assert_eq!(status.as_str(), "SOMETHING_NEW");
    assert_eq!(serde_json::to_value(&status).expect("serialize"), json!("SOMETHING_NEW"));
    assert_eq!("SOMETHING_NEW".parse::<ApiKeyStatus>(), Ok(ApiKeyStatus::Unknown("SOMETHING_NEW".into())));
}

#[test]
fn known_enum_values_round_trip() {
    for known in ApiKeyStatus::KNOWN {
        assert!(!known.is_unknown());
        let wire = serde_json::to_value(known).expect("serialize");
        assert_eq!(wire, json!(known.as_str()));
        assert_eq!(&serde_json::from_value::<ApiKeyStatus>(wire).expect("parse"), known);
    }
    assert_eq!(serde_json::from_value::<ApiKeyStatus>(json!("ACTIVE")).expect("parse"), ApiKeyStatus::Active);
    // Wire values are case-sensitive: anything else is kept, not guessed.
    assert_eq!(
        serde_json::from_value::<ApiKeyStatus>(json!("active")).expect("parse"),
        ApiKeyStatus::Unknown("active".into())
    );
}

#[test]
fn unknown_fields_round_trip_through_a_struct() {
    let input = json!({
        "id": "key-1",
        "name": "ci",
        "status": "BLOCKED",
        "type": "BRAND_NEW_TYPE",
        "permissions": ["a", "b"],
        "createdDtm": "2026-04-27T10:00:00Z",
        "futureField": {"nested": {"deep": [1, 2, {"x": null}]}, "flag": true},
        "anotherOne": 42
    });
    let mut key: ApiKey = serde_json::from_value(input.clone()).expect("parse ApiKey");
    assert_eq!(key.id.as_deref(), Some("key-1"));
    assert_eq!(key.status, Some(ApiKeyStatus::Blocked));
    assert_eq!(key.additional_properties.len(), 2, "{:?}", key.additional_properties);
    assert_eq!(key.additional_properties["futureField"]["nested"]["deep"][2], json!({"x": null}));

    key.name = Some("renamed".into());
    let out = serde_json::to_value(&key).expect("serialize ApiKey");
    let mut expected = input;
    expected["name"] = json!("renamed");
    assert_eq!(out, expected);
}

#[test]
fn required_field_missing_is_an_error() {
    let err = serde_json::from_value::<IssuedToken>(json!({"ttl": 3600})).expect_err("token is required");
    assert!(err.to_string().contains("token"), "{err}");
    let ok: IssuedToken = serde_json::from_value(json!({"token": "t", "ttl": 3600})).expect("parse");
    assert_eq!((ok.token.as_str(), ok.ttl), ("t", 3600));
    assert_eq!(serde_json::to_value(&ok).expect("serialize"), json!({"token": "t", "ttl": 3600}));
}

#[test]
fn optional_field_absent_is_none_and_stays_absent() {
    let key: ApiKey = serde_json::from_value(json!({})).expect("all fields optional");
    assert_eq!(key.name, None);
    assert_eq!(serde_json::to_value(&key).expect("serialize"), json!({}));
}

#[test]
fn optional_nullable_field_keeps_absent_null_and_value_apart() {
    // FaceWatchlist.numMembers is optional and nullable: Option<Option<i32>>.
    let absent: FaceWatchlist = serde_json::from_value(json!({"id": "w"})).expect("parse");
    assert_eq!(absent.num_members, None);
    let null: FaceWatchlist = serde_json::from_value(json!({"id": "w", "numMembers": null})).expect("parse");
    assert_eq!(null.num_members, Some(None));
    let value: FaceWatchlist = serde_json::from_value(json!({"id": "w", "numMembers": 7})).expect("parse");
    assert_eq!(value.num_members, Some(Some(7)));

    assert_eq!(serde_json::to_value(&absent).expect("serialize"), json!({"id": "w"}));
    assert_eq!(serde_json::to_value(&null).expect("serialize"), json!({"id": "w", "numMembers": null}));
    assert_eq!(serde_json::to_value(&value).expect("serialize"), json!({"id": "w", "numMembers": 7}));
}

#[test]
fn page_keeps_extra_fields_and_typed_content() {
    let input = json!({
        "content": [{"id": "k1", "status": "ACTIVE"}, {"id": "k2", "status": "NEW_STATUS", "extra": 1}],
        "totalElements": 2,
        "totalPages": 1,
        "first": true,
        "last": true,
        "number": 0,
        "numberOfElements": 2,
        "size": 20,
        "empty": false,
        "vendorExtension": {"cursor": "abc"}
    });
    let page: ApiKeyPage = serde_json::from_value(input.clone()).expect("parse page");
    assert_eq!(page.content.len(), 2);
    assert_eq!(page.content[1].status, Some(ApiKeyStatus::Unknown("NEW_STATUS".into())));
    assert_eq!(page.last, Some(true));
    assert!(!page.has_next());
    assert_eq!(page.additional_properties.get("vendorExtension"), Some(&json!({"cursor": "abc"})));
    let out: Value = serde_json::to_value(&page).expect("serialize page");
    assert_eq!(out, input);
}

#[test]
fn page_that_is_not_last_has_next_unless_empty() {
    let page: ApiKeyPage =
        serde_json::from_value(json!({"content": [{"id": "k"}], "last": false, "number": 0})).expect("parse");
    assert!(page.has_next());
    // An empty page ends the iteration even when the server claims more follow.
    let empty: ApiKeyPage = serde_json::from_value(json!({"content": [], "last": false})).expect("parse");
    assert!(!empty.has_next());
}
