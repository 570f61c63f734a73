//! Documents on records: bytes round trip (a real PDF and PNG built here), encrypted at rest,
//! types told by the bytes (a lying name or declared type), the size limit, the owner's scope,
//! sensitive documents of safe-home cases, withdrawal with `If-Match`, audited downloads, and
//! idempotent uploads.

use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sheba_tests::{Resp, TestApp};

const BOUNDARY: &str = "sheba-test-boundary-7c1f0e";

fn today() -> String {
    domain::time::dhaka_date(Utc::now()).to_string()
}

/// A multipart/form-data body: the text fields in order, then the file part (name, declared
/// type, bytes) if any.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, Option<&str>, &[u8])>) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, value) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some((filename, content_type, bytes)) = file {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n").as_bytes(),
        );
        if let Some(ct) = content_type {
            b.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        b.extend_from_slice(b"\r\n");
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

pub fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A real PNG: `w` x `h` pixels of grey, stored (deflate without compression), so a viewer
/// opens it.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend_from_slice(data);
        out.extend_from_slice(&c);
        out.extend_from_slice(&crc32(&c).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0); // filter: none
        raw.extend((0..w).map(|x| ((x + y) % 256) as u8));
    }
    // zlib: header, stored blocks of at most 65535 bytes, adler32.
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A real one-page PDF saying `text`, with a correct cross-reference table.
pub fn pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

struct Setup {
    caseworker: String,
    elsewhere: String,
    case: String,
}

fn setup(app: &TestApp) -> Setup {
    let (_, caseworker) = app.user("doc.cw", "caseworker", "upazila:1");
    let (_, elsewhere) = app.user("doc.cw2", "caseworker", "upazila:2");
    let child = app.person(&caseworker, &json!({"name_en": "Rahim", "sex": "male", "age_years": 10, "union_id": 1}));
    let case = app
        .post("/api/v1/cases")
        .bearer(&caseworker)
        .json(&json!({"kind": "child_protection", "person_id": child, "upazila_id": 1}))
        .send()
        .expect(201)
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Setup { caseworker, elsewhere, case }
}

fn upload(app: &TestApp, token: &str, fields: &[(&str, &str)], file: Option<(&str, Option<&str>, &[u8])>) -> Resp {
    app.post("/api/v1/documents").bearer(token).header("Content-Type", &content_type()).raw(multipart(fields, file)).send()
}

fn meta<'a>(owner_kind: &'a str, owner: &'a str, kind: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("owner_kind", owner_kind), ("owner_id", owner), ("kind", kind), ("title", title)]
}

/// Every object in the store, read whole.
fn objects(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    for e in std::fs::read_dir(app.document_dir()).unwrap().flatten() {
        if e.path().is_file() {
            out.push((e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()));
        }
    }
    out
}

fn audit(app: &TestApp, action: &str, id: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/audit-events?entity_type=document&entity_id={id}&action={action}"))
        .bearer(&app.admin())
        .send()
        .expect(200)
        .json["data"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn bytes_round_trip_encrypted_at_rest_and_every_download_is_audited() {
    let app = TestApp::new();
    let s = setup(&app);
    let today = today();
    let body = pdf("Order of the Nari-o-Shishu tribunal, 12/2026");
    let mut fields = meta("case", &s.case, "committee_minutes", "Minutes of the case conference");
    fields.push(("dated_on", &today));
    let made = upload(&app, &s.caseworker, &fields, Some(("minutes.pdf", Some("application/pdf"), &body))).expect(201);
    let doc = made.json.clone();
    let id = doc["id"].as_str().unwrap();
    assert_eq!(made.header("location"), Some(format!("/api/v1/documents/{id}").as_str()));
    assert_eq!(doc["media_type"], "application/pdf");
    assert_eq!(doc["size_bytes"], body.len());
    assert_eq!(doc["sha256"], sheba_hex(&Sha256::digest(&body)));
    assert_eq!(doc["title"], "Minutes of the case conference");
    assert_eq!(doc["kind_label"]["bn"], "কমিটির সভার কার্যবিবরণী");

    // Downloaded as it was sent, with its type, length, name and ETag (its SHA-256).
    let got = app.get(&format!("/api/v1/documents/{id}/content")).bearer(&s.caseworker).send().expect(200);
    assert_eq!(got.bytes, body);
    assert_eq!(got.header("content-type"), Some("application/pdf"));
    assert_eq!(got.header("content-length"), Some(body.len().to_string().as_str()));
    assert_eq!(got.header("etag"), Some(format!("\"{}\"", doc["sha256"].as_str().unwrap()).as_str()));
    assert_eq!(got.header("content-disposition"), Some(format!("attachment; filename=\"{id}.pdf\"").as_str()));

    // A PNG of more than one 64 KiB chunk comes back byte for byte too.
    let image = png(600, 600);
    assert!(image.len() > 3 * 64 * 1024);
    let mut fields = meta("case", &s.case, "photo", "Photo at intake");
    fields.push(("dated_on", &today));
    let photo = upload(&app, &s.caseworker, &fields, Some(("intake.png", None, &image))).expect(201).json;
    assert_eq!(photo["media_type"], "image/png");
    let pid = photo["id"].as_str().unwrap();
    let got = app.get(&format!("/api/v1/documents/{pid}/content")).bearer(&s.caseworker).send().expect(200).bytes;
    assert_eq!(Sha256::digest(&got).as_slice(), Sha256::digest(&image).as_slice());
    assert_eq!(got, image);

    // At rest: two objects, neither holding its plaintext (nor any 32-byte run of it).
    let stored = objects(&app);
    assert_eq!(stored.len(), 2, "one object per document");
    for (name, bytes) in &stored {
        let plain: &[u8] = if name == id { &body } else { &image };
        assert!(bytes.len() > plain.len());
        assert!(!plain.windows(32).step_by(4099).any(|w| bytes.windows(32).any(|b| b == w)), "plaintext at rest in {name}");
        assert!(!bytes.windows(8).any(|w| w == b"Nari-o-S"), "the PDF's text at rest");
    }

    // Every download is audited, each time; the list and the read are too.
    app.get(&format!("/api/v1/documents/{id}/content")).bearer(&s.caseworker).send().expect(200);
    assert_eq!(audit(&app, "document.download", id).len(), 2);
    assert_eq!(audit(&app, "document.add", id).len(), 1);
    let list =
        app.get(&format!("/api/v1/documents?owner_kind=case&owner_id={}", s.case)).bearer(&s.caseworker).send().expect(200);
    let ids: Vec<&str> = list.json["data"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![id, pid], "oldest first");
    let page = app
        .get(&format!("/api/v1/documents?owner_kind=case&owner_id={}&limit=1", s.case))
        .bearer(&s.caseworker)
        .send()
        .expect(200)
        .json;
    let next = page["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("/api/v1/documents?owner_kind=case&owner_id={}&limit=1&cursor={next}", s.case))
        .bearer(&s.caseworker)
        .send()
        .expect(200)
        .json;
    assert_eq!(rest["data"][0]["id"], pid);
    let listed =
        app.get("/api/v1/audit-events?action=document.list&entity_type=document").bearer(&app.admin()).send().expect(200).json;
    assert!(!listed["data"].as_array().unwrap().is_empty(), "{listed}");
    let meta = app.get(&format!("/api/v1/documents/{id}")).bearer(&s.caseworker).send().expect(200);
    assert_eq!(meta.header("etag"), Some("\"1\""));
}

fn sheba_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn types_are_told_by_the_bytes_and_refused_files_leave_nothing() {
    let app = TestApp::new();
    let s = setup(&app);
    let today = today();
    let mut fields = meta("case", &s.case, "photo", "Photo");
    fields.push(("dated_on", &today));
    // An ELF executable named and declared as a PNG.
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    elf.resize(4096, 0x90);
    let r = upload(&app, &s.caseworker, &fields, Some(("photo.png", Some("image/png"), &elf)));
    let r = r.expect_problem(415, "unsupported_media_type");
    assert!(r.json["detail"].as_str().unwrap().starts_with("file:"), "{}", r.text);
    // Plain text is not a document type here.
    upload(&app, &s.caseworker, &fields, Some(("notes.txt", Some("text/plain"), b"just some words, no magic")))
        .expect_problem(415, "unsupported_media_type");
    // A real PDF declared as a PNG: the declared type lies.
    let r = upload(&app, &s.caseworker, &fields, Some(("photo.png", Some("image/png"), &pdf("x"))));
    let r = r.expect_problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["field"], "file", "{}", r.text);
    // An empty file, no file, a date in the future, an unknown kind, a missing title.
    upload(&app, &s.caseworker, &fields, Some(("e.pdf", None, b""))).expect_problem(422, "validation_failed");
    upload(&app, &s.caseworker, &fields, None).expect_problem(422, "validation_failed");
    let future = (domain::time::dhaka_date(Utc::now()) + chrono::Duration::days(1)).to_string();
    let mut bad = meta("case", &s.case, "photo", "Photo");
    bad.push(("dated_on", &future));
    let r = upload(&app, &s.caseworker, &bad, Some(("p.png", None, &png(2, 2)))).expect_problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["field"], "dated_on");
    let mut bad = meta("case", &s.case, "horoscope", "  ");
    bad.push(("dated_on", &today));
    let r = upload(&app, &s.caseworker, &bad, Some(("p.png", None, &png(2, 2)))).expect_problem(422, "validation_failed");
    let fields_named: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields_named.contains(&"kind") && fields_named.contains(&"title"), "{}", r.text);
    // Not multipart at all.
    app.post("/api/v1/documents")
        .bearer(&s.caseworker)
        .json(&json!({"owner_kind": "case"}))
        .send()
        .expect_problem(415, "unsupported_media_type");
    // Nothing of any of it was stored: no row, no object.
    assert!(objects(&app).is_empty(), "{:?}", objects(&app).iter().map(|o| &o.0).collect::<Vec<_>>());
    let list =
        app.get(&format!("/api/v1/documents?owner_kind=case&owner_id={}", s.case)).bearer(&s.caseworker).send().expect(200);
    assert_eq!(list.json["data"].as_array().unwrap().len(), 0);
}

#[test]
fn a_file_over_the_limit_is_refused_and_nothing_stays() {
    let app = TestApp::with_document_limit(100_000);
    let s = setup(&app);
    let today = today();
    let mut fields = meta("case", &s.case, "photo", "Large photo");
    fields.push(("dated_on", &today));
    let big = png(400, 400); // 160 KB: past the limit after the first chunks are written
    assert!(big.len() > 100_000);
    let r = upload(&app, &s.caseworker, &fields, Some(("big.png", Some("image/png"), &big)));
    r.expect_problem(413, "payload_too_large");
    assert!(objects(&app).is_empty(), "the aborted upload left an object");
    // Exactly at the limit is fine.
    let small = png(100, 100);
    assert!(small.len() < 100_000);
    upload(&app, &s.caseworker, &fields, Some(("small.png", None, &small))).expect(201);
    assert_eq!(objects(&app).len(), 1);
}

#[test]
fn the_owners_permission_and_scope_decide() {
    let app = TestApp::new();
    let s = setup(&app);
    let today = today();
    let (_, auditor) = app.user("doc.auditor", "auditor", "district:1");
    let mut fields = meta("case", &s.case, "birth_certificate", "Birth certificate");
    fields.push(("dated_on", &today));
    let file = png(4, 4);
    // Outside the case's area; a role without the case permission; an unknown owner.
    upload(&app, &s.elsewhere, &fields, Some(("b.png", None, &file))).expect_problem(403, "out_of_scope");
    upload(&app, &auditor, &fields, Some(("b.png", None, &file))).expect_problem(403, "role_lacks_permission");
    let nobody = uuid::Uuid::now_v7().to_string();
    let mut unknown = meta("case", &nobody, "birth_certificate", "x");
    unknown.push(("dated_on", &today));
    upload(&app, &s.caseworker, &unknown, Some(("b.png", None, &file))).expect(404);
    assert!(objects(&app).is_empty());
    let doc = upload(&app, &s.caseworker, &fields, Some(("b.png", None, &file))).expect(201).json;
    let id = doc["id"].as_str().unwrap();
    for path in [format!("/api/v1/documents/{id}"), format!("/api/v1/documents/{id}/content")] {
        app.get(&path).bearer(&s.elsewhere).send().expect_problem(403, "out_of_scope");
        app.get(&path).bearer(&auditor).send().expect_problem(403, "role_lacks_permission");
    }
    app.get(&format!("/api/v1/documents?owner_kind=case&owner_id={}", s.case))
        .bearer(&s.elsewhere)
        .send()
        .expect_problem(403, "out_of_scope");
    app.get(&format!("/api/v1/documents?owner_kind=grievance&owner_id={}", s.case))
        .bearer(&s.caseworker)
        .send()
        .expect_problem(422, "validation_failed");
    // A person's documents follow who may see the person: another upazila's caseworker does not.
    let person = app.person(&s.caseworker, &json!({"name_en": "Salma", "sex": "female", "age_years": 30, "union_id": 1}));
    let mut on_person = meta("person", &person, "national_id", "NID card");
    on_person.push(("dated_on", &today));
    upload(&app, &s.elsewhere, &on_person, Some(("n.png", None, &file))).expect(404);
    let nid = upload(&app, &s.caseworker, &on_person, Some(("n.png", None, &file))).expect(201).json;
    app.get(&format!("/api/v1/documents/{}", nid["id"].as_str().unwrap())).bearer(&s.elsewhere).send().expect(404);
}

#[test]
fn safe_home_court_orders_need_the_sensitive_permission() {
    let app = TestApp::new();
    let admin = app.admin();
    let facility = app
        .post("/api/v1/facilities")
        .bearer(&admin)
        .json(&json!({"name_en": "Safe Home Docs", "name_bn": "নিরাপদ আবাসন", "facility_type": "safe_home", "upazila_id": 1,
                      "capacity_female": 10, "capacity_male": 0, "capacity_hijra": 0}))
        .send()
        .expect(201)
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, staff) = app.user("doc.staff", "facility_staff", &format!("facility:{facility}"));
    let (_, district) = app.user("doc.district", "district_officer", "district:1");
    let resident = app.person(&staff, &json!({"name_en": "Resident", "sex": "female", "age_years": 25}));
    let case = app
        .post("/api/v1/cases")
        .bearer(&staff)
        .json(&json!({"kind": "safe_home", "person_id": resident, "facility_id": facility,
                      "court_order": {"court": "Tribunal-1", "order_number": "7/2026", "order_date": today()}}))
        .send()
        .expect(201)
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let today = today();
    let mut fields = meta("case", &case, "court_order", "Order 7/2026 of Tribunal-1");
    fields.push(("dated_on", &today));
    let order = upload(&app, &staff, &fields, Some(("order.pdf", None, &pdf("Order 7/2026")))).expect(201).json;
    let mut fields = meta("case", &case, "photo", "Intake photo");
    fields.push(("dated_on", &today));
    let photo = upload(&app, &staff, &fields, Some(("p.png", None, &png(3, 3)))).expect(201).json;
    let (oid, pid) = (order["id"].as_str().unwrap(), photo["id"].as_str().unwrap());
    // The district officer reads cases but not their sensitive details: the court order is
    // listed without its title and cannot be downloaded; the photo can.
    let list = app.get(&format!("/api/v1/documents?owner_kind=case&owner_id={case}")).bearer(&district).send().expect(200).json;
    let listed = &list["data"][0];
    assert_eq!(listed["id"], oid);
    assert_eq!(listed["title"], Value::Null);
    assert_eq!(listed["title_withheld"], true);
    assert_eq!(list["data"][1]["title"], "Intake photo");
    app.get(&format!("/api/v1/documents/{oid}/content")).bearer(&district).send().expect_problem(403, "role_lacks_permission");
    app.get(&format!("/api/v1/documents/{pid}/content")).bearer(&district).send().expect(200);
    // The home's staff hold the permission.
    let full = app.get(&format!("/api/v1/documents/{oid}")).bearer(&staff).send().expect(200).json;
    assert_eq!(full["title"], "Order 7/2026 of Tribunal-1");
    app.get(&format!("/api/v1/documents/{oid}/content")).bearer(&staff).send().expect(200);
}

#[test]
fn withdrawal_needs_if_match_and_a_reason_and_stops_downloads() {
    let app = TestApp::new();
    let s = setup(&app);
    let today = today();
    let mut fields = meta("case", &s.case, "medical_report", "Medical report");
    fields.push(("dated_on", &today));
    let doc = upload(&app, &s.caseworker, &fields, Some(("m.pdf", None, &pdf("report")))).expect(201).json;
    let id = doc["id"].as_str().unwrap();
    let path = format!("/api/v1/documents/{id}/withdrawal");
    app.post(&path)
        .bearer(&s.caseworker)
        .json(&json!({"reason": "wrong case"}))
        .send()
        .expect_problem(428, "precondition_required");
    app.post(&path)
        .bearer(&s.caseworker)
        .header("If-Match", "\"7\"")
        .json(&json!({"reason": "wrong case"}))
        .send()
        .expect_problem(412, "precondition_failed");
    app.post(&path).bearer(&s.caseworker).header("If-Match", "\"1\"").json(&json!({"reason": "  "})).send().expect(422);
    app.post(&path)
        .bearer(&s.elsewhere)
        .header("If-Match", "\"1\"")
        .json(&json!({"reason": "wrong case"}))
        .send()
        .expect_problem(403, "out_of_scope");
    let w = app
        .post(&path)
        .bearer(&s.caseworker)
        .header("If-Match", "\"1\"")
        .json(&json!({"reason": "Attached to the wrong case"}))
        .send()
        .expect(200);
    assert_eq!(w.header("etag"), Some("\"2\""));
    assert_eq!(w.json["withdrawal_reason"], "Attached to the wrong case");
    assert!(w.json["withdrawn_at"].is_string() && w.json["withdrawn_by"].is_string());
    // Withdrawn once; its bytes are no longer given out; it stays in the history.
    app.post(&path)
        .bearer(&s.caseworker)
        .header("If-Match", "\"2\"")
        .json(&json!({"reason": "again"}))
        .send()
        .expect_rule(409, "document.withdrawn");
    app.get(&format!("/api/v1/documents/{id}/content")).bearer(&s.caseworker).send().expect_rule(409, "document.withdrawn");
    let list =
        app.get(&format!("/api/v1/documents?owner_kind=case&owner_id={}", s.case)).bearer(&s.caseworker).send().expect(200).json;
    assert_eq!(list["data"][0]["withdrawal_reason"], "Attached to the wrong case");
    let current = app
        .get(&format!("/api/v1/documents?owner_kind=case&owner_id={}&include_withdrawn=false", s.case))
        .bearer(&s.caseworker)
        .send();
    assert_eq!(current.expect(200).json["data"].as_array().unwrap().len(), 0);
    let events = audit(&app, "document.withdraw", id);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["after"]["withdrawn"], true);
    assert!(!events[0].to_string().contains("Medical report"), "no title in the audit trail");
    // The object is kept (history, backups), and the database refuses overwriting the row.
    assert_eq!(objects(&app).len(), 1);
    let mut conn = app.db();
    use diesel::RunQueryDsl;
    let err = diesel::sql_query(format!("UPDATE documents SET title = 'changed' WHERE id = '{id}'")).execute(&mut conn);
    assert!(err.is_err(), "a document is never overwritten");
    assert!(diesel::sql_query(format!("DELETE FROM documents WHERE id = '{id}'")).execute(&mut conn).is_err());
}

#[test]
fn an_upload_retried_with_its_key_is_stored_once() {
    let app = TestApp::new();
    let s = setup(&app);
    let today = today();
    let mut fields = meta("case", &s.case, "photo", "Photo");
    fields.push(("dated_on", &today));
    let file = png(20, 20);
    let send = |key: &str, body: &[u8]| {
        app.post("/api/v1/documents")
            .bearer(&s.caseworker)
            .header("Content-Type", &content_type())
            .header("Idempotency-Key", key)
            .raw(multipart(&fields, Some(("p.png", None, body))))
            .send()
    };
    let first = send("doc-retry-1", &file).expect(201);
    let again = send("doc-retry-1", &file).expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.json["id"], again.json["id"]);
    assert_eq!(objects(&app).len(), 1, "the retry's bytes were not kept");
    // Another file under the same key is another request.
    send("doc-retry-1", &png(21, 21)).expect_problem(409, "idempotency_key_reused");
    assert_eq!(objects(&app).len(), 1);
    let list =
        app.get(&format!("/api/v1/documents?owner_kind=case&owner_id={}", s.case)).bearer(&s.caseworker).send().expect(200);
    assert_eq!(list.json["data"].as_array().unwrap().len(), 1);
}
