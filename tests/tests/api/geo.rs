//! Reference geography: real names from data/bd-geo, counts, Bangla, filters.

use std::collections::BTreeMap;

use sheba_tests::{workspace_root, TestApp};

/// Rows of one CSV as id -> (parent id, English, Bangla), read with a minimal CSV reader
/// that handles the quoted names the files contain.
fn csv(name: &str) -> BTreeMap<i64, (Option<i64>, String, String)> {
    let text = std::fs::read_to_string(workspace_root().join("data/bd-geo").join(name)).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let mut fields = vec![];
        let mut cur = String::new();
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => fields.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        fields.push(cur);
        let id: i64 = fields[0].parse().unwrap();
        let row = if name == "divisions.csv" {
            (None, fields[1].clone(), fields[2].clone())
        } else {
            (Some(fields[1].parse().unwrap()), fields[2].clone(), fields[3].clone())
        };
        out.insert(id, row);
    }
    out
}

fn api_rows(app: &TestApp, path: &str, parent: Option<&str>) -> BTreeMap<i64, (Option<i64>, String, String)> {
    app.all_pages(path, None)
        .into_iter()
        .map(|r| {
            let parent = parent.map(|p| r[p].as_i64().unwrap());
            (
                r["id"].as_i64().unwrap(),
                (parent, r["name_en"].as_str().unwrap().to_owned(), r["name_bn"].as_str().unwrap().to_owned()),
            )
        })
        .collect()
}

#[test]
fn counts_and_every_name_match_the_source_csvs() {
    let app = TestApp::new();
    let divisions = api_rows(&app, "/api/v1/geo/divisions", None);
    let districts = api_rows(&app, "/api/v1/geo/districts", Some("division_id"));
    // (The national dataset's areas: city thanas and wards are added beside them.)
    let upazilas = api_rows(&app, "/api/v1/geo/upazilas?kind=upazila", Some("district_id"));
    let unions = api_rows(&app, "/api/v1/geo/unions?kind=union", Some("upazila_id"));
    assert_eq!((divisions.len(), districts.len(), upazilas.len(), unions.len()), (8, 64, 494, 4540));
    assert_eq!(divisions, csv("divisions.csv"));
    assert_eq!(districts, csv("districts.csv"));
    assert_eq!(upazilas, csv("upazilas.csv"));
    assert_eq!(unions, csv("unions.csv"));
}

#[test]
fn bangla_names_and_filters() {
    let app = TestApp::new();
    let r = app.get("/api/v1/geo/divisions").send().expect(200);
    let dhaka = r.json["data"].as_array().unwrap().iter().find(|d| d["name_en"] == "Dhaka").unwrap().clone();
    assert_eq!(dhaka["name_bn"], "ঢাকা");
    let id = dhaka["id"].as_i64().unwrap();
    let districts = app.all_pages(&format!("/api/v1/geo/districts?division_id={id}"), None);
    assert_eq!(districts.len(), 13, "Dhaka division has 13 districts");
    assert!(districts.iter().all(|d| d["division_id"] == id));
    let r = app.get("/api/v1/geo/upazilas?district_id=1").send().expect(200);
    assert!(r.json["data"].as_array().unwrap().iter().all(|u| u["district_id"] == 1));
    let r = app.get("/api/v1/geo/unions?upazila_id=1").send().expect(200);
    let unions = r.json["data"].as_array().unwrap();
    assert!(unions.iter().any(|u| u["name_bn"] == "সুবিল"));
    // A name with a comma inside survived the CSV round trip.
    let r = app.get("/api/v1/geo/unions?upazila_id=21").send().expect(200);
    assert!(r.json["data"].as_array().unwrap().iter().any(|u| u["name_bn"] == "জি,এম, হাট"));
    let r = app.get("/api/v1/geo/districts?division_id=999").send().expect(200);
    assert!(r.json["data"].as_array().unwrap().is_empty());
}

#[test]
fn pages_are_bounded_and_default_to_50() {
    let app = TestApp::new();
    let r = app.get("/api/v1/geo/unions").send().expect(200);
    assert_eq!(r.json["data"].as_array().unwrap().len(), 50);
    let r = app.get("/api/v1/geo/unions?limit=200").send().expect(200);
    assert_eq!(r.json["data"].as_array().unwrap().len(), 200);
    let last = app.get("/api/v1/geo/divisions?limit=8").send().expect(200);
    assert!(last.json["next_cursor"].is_null());
}
