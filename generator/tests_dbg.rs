#[test]
fn dbg_ref_with_extension() {
    let v: openapiv3::ReferenceOr<Box<openapiv3::Schema>> = serde_json::from_str(r#"{"$ref": "#/components/schemas/A/properties/b", "x-linode-cli-display": 5}"#).unwrap();
    eprintln!("{v:?}");
    eprintln!("{}", serde_json::to_string(&v).unwrap());
}
