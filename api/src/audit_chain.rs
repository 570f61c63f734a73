//! The audit trail's hash chains (migration 000034). Each audit row carries its day (UTC), its
//! chain of that day, its seq in the chain and `sha256(previous link's hash || its canonical
//! content)`, taken by an insert trigger. `sheba audit verify` recomputes every chain here, in
//! Rust, from the rows' columns (not with the database's functions, which whoever holds the
//! database could replace) and names the first broken link; `sheba audit anchor` exports each
//! closed day's last hashes (or, with `--open`, how far the days still open have come), to be
//! kept where the database's administrator cannot write, and `verify --anchors` checks that
//! every chain still passes through them, and that a closed day ends there (a whole day
//! rewritten with fresh hashes verifies on its own; it does not pass through its anchor).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use anyhow::Context;
use chrono::NaiveDate;
use diesel::prelude::*;
use persistence::audit::{ChainKey, ChainLink};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The "previous hash" of a chain's first row.
pub const GENESIS: [u8; 32] = [0; 32];

/// Rows read at a time.
const BATCH: i64 = 10_000;

/// Breaks listed in full (the count says how many more).
pub const SHOWN: usize = 50;

/// What a row's link hashes after the previous link's hash, exactly as the trigger builds it
/// (`audit_chain_content`): each field as `~` when NULL, else its length in UTF-8 bytes, `:`
/// and its text; the day as YYYY-MM-DD, the chain, the seq, then the columns in table order,
/// the time as microseconds since 1970 (UTC) and jsonb as PostgreSQL writes it.
pub fn content(l: &ChainLink) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        160 + l.actor_label.len()
            + l.action.len()
            + l.entity_type.len()
            + l.entity_id.len()
            + l.before.as_ref().map_or(0, String::len)
            + l.after.as_ref().map_or(0, String::len)
            + l.request_id.as_ref().map_or(0, String::len),
    );
    let mut field = |v: Option<&str>| match v {
        None => out.push(b'~'),
        Some(s) => {
            out.extend_from_slice(s.len().to_string().as_bytes());
            out.push(b':');
            out.extend_from_slice(s.as_bytes());
        }
    };
    field(Some(&l.chain_day.format("%Y-%m-%d").to_string()));
    field(Some(&l.chain_shard.to_string()));
    field(Some(&l.chain_seq.to_string()));
    field(Some(&l.id.to_string()));
    field(Some(&l.occurred_at.timestamp_micros().to_string()));
    field(l.actor_id.map(|a| a.to_string()).as_deref());
    field(Some(&l.actor_label));
    field(Some(&l.action));
    field(Some(&l.entity_type));
    field(Some(&l.entity_id));
    field(l.before.as_deref());
    field(l.after.as_deref());
    field(l.request_id.as_deref());
    out
}

/// One link: `sha256(previous || content)`.
pub fn link_hash(previous: &[u8], content: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(previous);
    h.update(content);
    h.finalize().into()
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

/// What is wrong at a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The row's hash is not its content chained to the link before.
    Altered,
    /// The seqs from the first up to the second are missing.
    Missing(i64, i64),
    /// A second row with a seq already seen.
    Repeated,
    /// The row's time is not on its chain's day (or the day before, for a transaction that
    /// began before midnight).
    OutOfDay(chrono::DateTime<chrono::Utc>),
    /// The chain ends at the row's seq but its head says this one.
    HeadDiffers(i64),
    /// The chain has no head.
    NoHead,
    /// A head (its seq) with no rows.
    NoRows(i64),
    /// The row's hash, at an anchored seq, is not the anchored hash.
    AnchorDiffers,
    /// Rows after a closed day's anchored end (its seq).
    PastAnchor(i64),
    /// The chain ends before an anchored seq.
    BeforeAnchor(i64),
    /// An anchored chain (its anchored seq) with no rows.
    ChainGone(i64),
    /// A chain on a closed, anchored day that the day's anchor does not list.
    Unanchored,
    /// A row in no chain.
    Outside,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Altered => write!(
                f,
                "its hash is not its content chained to the link before: this row was changed or put in (or the row before it changed with its hash)"
            ),
            Fault::Missing(from, to) if from == to => write!(f, "seq {from}, before this row, is missing: a row deleted"),
            Fault::Missing(from, to) => write!(f, "seqs {from} to {to}, before this row, are missing: rows deleted"),
            Fault::Repeated => write!(f, "a second row with this seq: a row was put in"),
            Fault::OutOfDay(t) => write!(f, "its time ({}) is not on its chain's day: a row written later with an earlier time", t.to_rfc3339()),
            Fault::HeadDiffers(head) => {
                write!(f, "the chain ends here but its head says seq {head} (and its hash): rows deleted at its end, or the head changed")
            }
            Fault::NoHead => write!(f, "the chain ends here and has no head: its head was deleted"),
            Fault::NoRows(head) => write!(f, "its head says seq {head} but the chain has no rows: all of them deleted"),
            Fault::AnchorDiffers => write!(f, "its hash is not the one anchored for this seq: the day's chain was rewritten"),
            Fault::PastAnchor(seq) => write!(f, "the anchor ends the chain at seq {seq}: rows added to the day after it was anchored"),
            Fault::BeforeAnchor(seq) => write!(f, "the chain ends here, before its anchored seq {seq}: rows deleted"),
            Fault::ChainGone(seq) => write!(f, "the chain was anchored with {seq} rows and has none: deleted"),
            Fault::Unanchored => write!(f, "a chain the day's anchor does not list: added after the day was anchored"),
            Fault::Outside => write!(f, "the row is in no chain: its place was emptied"),
        }
    }
}

/// A broken link: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub chain: Option<ChainKey>,
    pub seq: Option<i64>,
    pub event: Option<Uuid>,
    pub fault: Fault,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = vec![];
        if let Some((day, shard)) = self.chain {
            parts.push(format!("day {day}, chain {shard}"));
        }
        if let Some(seq) = self.seq {
            parts.push(format!("seq {seq}"));
        }
        if let Some(id) = self.event {
            parts.push(format!("event {id}"));
        }
        write!(f, "{}: {}", parts.join(", "), self.fault)
    }
}

/// A chain's last link as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct End {
    pub seq: i64,
    pub hash: Vec<u8>,
    pub rows: i64,
    last_event: Uuid,
    first_event: Uuid,
    past_anchor: Option<(i64, Uuid)>,
}

/// What the chains' check found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub rows: i64,
    /// Every chain's last link, by (day, chain).
    pub ends: BTreeMap<ChainKey, End>,
    /// Days checked against anchors.
    pub anchored_days: usize,
    /// In chain order (day, chain, seq).
    pub breaks: Vec<Break>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.breaks.is_empty()
    }

    pub fn days(&self) -> usize {
        self.ends.keys().map(|(d, _)| d).collect::<BTreeSet<_>>().len()
    }

    /// `ok: N rows in M chains ...`, or the first broken link and the others.
    pub fn summary(&self) -> String {
        let counted = format!("{} rows in {} chains over {} days", self.rows, self.ends.len(), self.days());
        let anchors = match self.anchored_days {
            0 => String::new(),
            n => format!("; {n} anchored days pass through their anchors"),
        };
        let Some(first) = self.breaks.first() else {
            return format!("ok: {counted}{anchors}");
        };
        let mut out = format!("broken: {first}\n");
        if self.breaks.len() > 1 {
            out.push_str(&format!("{} broken links in all:\n", self.breaks.len()));
            for b in self.breaks.iter().take(SHOWN) {
                out.push_str(&format!("  {b}\n"));
            }
            if self.breaks.len() > SHOWN {
                out.push_str(&format!("  ... and {} more\n", self.breaks.len() - SHOWN));
            }
        }
        out.push_str(&format!("checked {counted}"));
        out
    }
}

/// The trail does not verify (`sheba audit verify` exits with status 2).
#[derive(Debug)]
pub struct Broken(pub Report);

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.breaks.first() {
            Some(first) => {
                write!(f, "the audit trail does not verify ({} broken links); the first: {first}", self.0.breaks.len())
            }
            None => write!(f, "the audit trail does not verify"),
        }
    }
}

impl std::error::Error for Broken {}

/// A link an anchor names: the chain passed through `hash` at `seq`, and ended there if its day
/// was `closed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: Vec<u8>,
    pub closed: bool,
}

/// Each chain's anchored links, by (day, chain).
pub type Anchors = BTreeMap<ChainKey, Vec<Anchor>>;

struct Walk {
    key: ChainKey,
    next: i64,
    previous: Vec<u8>,
    end: End,
}

/// Walks the rows in chain order (day, chain, seq), one at a time.
pub struct Verifier {
    anchors: Anchors,
    anchored_days: BTreeSet<NaiveDate>,
    walk: Option<Walk>,
    report: Report,
}

impl Verifier {
    pub fn new(anchors: Anchors) -> Verifier {
        let anchored_days = anchors.keys().map(|(d, _)| *d).collect();
        Verifier { anchors, anchored_days, walk: None, report: Report::default() }
    }

    /// Where the anchors put a chain's end: the seq it must reach, and whether it must end there.
    fn anchored_end(&self, key: &ChainKey) -> Option<(i64, Option<i64>)> {
        let anchors = self.anchors.get(key)?;
        let reach = anchors.iter().map(|a| a.seq).max()?;
        Some((reach, anchors.iter().filter(|a| a.closed).map(|a| a.seq).max()))
    }

    fn closed_days(&self) -> BTreeSet<NaiveDate> {
        self.anchors.iter().filter(|(_, a)| a.iter().any(|a| a.closed)).map(|((d, _), _)| *d).collect()
    }

    fn flag(&mut self, l: &ChainLink, fault: Fault) {
        self.report.breaks.push(Break {
            chain: Some((l.chain_day, l.chain_shard)),
            seq: Some(l.chain_seq),
            event: Some(l.id),
            fault,
        });
    }

    pub fn push(&mut self, l: &ChainLink) {
        let key = (l.chain_day, l.chain_shard);
        if self.walk.as_ref().is_none_or(|w| w.key != key) {
            self.close();
            self.walk = Some(Walk {
                key,
                next: 1,
                previous: GENESIS.to_vec(),
                end: End { seq: 0, hash: vec![], rows: 0, last_event: l.id, first_event: l.id, past_anchor: None },
            });
        }
        self.report.rows += 1;
        let Some(walk) = self.walk.as_mut() else { return };
        let (next, fault) = if l.chain_seq < walk.next {
            (walk.next, Some(Fault::Repeated))
        } else if l.chain_seq > walk.next {
            (l.chain_seq + 1, Some(Fault::Missing(walk.next, l.chain_seq - 1)))
        } else if link_hash(&walk.previous, &content(l)) != l.chain_hash.as_slice() {
            (l.chain_seq + 1, Some(Fault::Altered))
        } else {
            (l.chain_seq + 1, None)
        };
        walk.end.rows += 1;
        if fault != Some(Fault::Repeated) {
            // (The next link is checked against this one's stored hash: one changed row is one
            // break, not every row after it.)
            walk.next = next;
            walk.previous.clone_from(&l.chain_hash);
            walk.end.seq = l.chain_seq;
            walk.end.hash.clone_from(&l.chain_hash);
            walk.end.last_event = l.id;
        }
        let mut anchor_fault = None;
        for a in self.anchors.get(&key).into_iter().flatten() {
            if l.chain_seq == a.seq && l.chain_hash != a.hash {
                anchor_fault = Some(Fault::AnchorDiffers);
            }
            if a.closed && l.chain_seq > a.seq && walk.end.past_anchor.is_none() {
                walk.end.past_anchor = Some((l.chain_seq, l.id));
            }
        }
        if let Some(f) = fault {
            self.flag(l, f);
        }
        let day = l.occurred_at.date_naive();
        if day != l.chain_day && day.succ_opt() != Some(l.chain_day) {
            self.flag(l, Fault::OutOfDay(l.occurred_at));
        }
        if let Some(f) = anchor_fault {
            self.flag(l, f);
        }
    }

    fn close(&mut self) {
        if let Some(w) = self.walk.take() {
            self.report.ends.insert(w.key, w.end);
        }
    }

    /// The chains' ends against their heads (and anchors): the report.
    pub fn finish(mut self, heads: &[(ChainKey, i64, Vec<u8>)]) -> Report {
        self.close();
        let mut breaks = vec![];
        let at =
            |key: ChainKey, seq: i64, event: Option<Uuid>, fault: Fault| Break { chain: Some(key), seq: Some(seq), event, fault };
        let heads: BTreeMap<ChainKey, (i64, &Vec<u8>)> = heads.iter().map(|(k, s, h)| (*k, (*s, h))).collect();
        for (key, end) in &self.report.ends {
            match heads.get(key) {
                None => breaks.push(at(*key, end.seq, Some(end.last_event), Fault::NoHead)),
                Some((seq, hash)) if *seq != end.seq || **hash != end.hash => {
                    breaks.push(at(*key, end.seq, Some(end.last_event), Fault::HeadDiffers(*seq)))
                }
                Some(_) => {}
            }
        }
        for (key, (seq, _)) in &heads {
            if !self.report.ends.contains_key(key) {
                breaks.push(at(*key, *seq, None, Fault::NoRows(*seq)));
            }
        }
        for key in self.anchors.keys() {
            let Some((reach, closed)) = self.anchored_end(key) else { continue };
            match self.report.ends.get(key) {
                None => breaks.push(at(*key, reach, None, Fault::ChainGone(reach))),
                Some(end) if end.seq < reach => breaks.push(at(*key, end.seq, Some(end.last_event), Fault::BeforeAnchor(reach))),
                Some(End { past_anchor: Some((first, event)), .. }) => {
                    breaks.push(at(*key, *first, Some(*event), Fault::PastAnchor(closed.unwrap_or(reach))))
                }
                Some(_) => {}
            }
        }
        let closed_days = self.closed_days();
        for (key, end) in &self.report.ends {
            if closed_days.contains(&key.0) && !self.anchors.contains_key(key) {
                breaks.push(at(*key, 1, Some(end.first_event), Fault::Unanchored));
            }
        }
        self.report.breaks.extend(breaks);
        self.report.breaks.sort_by_key(|b| (b.chain, b.seq.unwrap_or(i64::MAX)));
        self.report.anchored_days = self.anchored_days.len();
        self.report
    }
}

/// Checks the chains of the days `days` (every day when `None`) in one snapshot, against their
/// heads and the `anchors` of those days.
pub fn verify(conn: &mut PgConnection, days: Option<(NaiveDate, NaiveDate)>, anchors: &[DayAnchor]) -> anyhow::Result<Report> {
    let anchors = anchor_map(anchors, days)?;
    let report = conn.build_transaction().repeatable_read().read_only().run(|conn| {
        let mut v = Verifier::new(anchors);
        let mut after = None;
        loop {
            let batch = persistence::audit::chain_links(conn, after, days, BATCH)?;
            for l in &batch {
                v.push(l);
            }
            match batch.last() {
                Some(l) => after = Some(((l.chain_day, l.chain_shard), l.chain_seq)),
                None => break,
            }
        }
        let mut report = v.finish(&persistence::audit::chain_heads(conn, days)?);
        if days.is_none() && persistence::audit::count(conn)? != report.rows {
            for id in persistence::audit::outside_chains(conn, SHOWN as i64)? {
                report.breaks.push(Break { chain: None, seq: None, event: Some(id), fault: Fault::Outside });
            }
        }
        Ok::<_, diesel::result::Error>(report)
    })?;
    Ok(report)
}

/// One day's anchor: the last link of each of its chains, then; `open` when the day was not
/// over (a checkpoint: the chains must pass through these links, and may go on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayAnchor {
    pub day: NaiveDate,
    #[serde(default, skip_serializing_if = "is_false")]
    pub open: bool,
    pub rows: i64,
    pub chains: Vec<ChainAnchor>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainAnchor {
    pub chain: i16,
    pub seq: i64,
    /// The last row's hash, hex.
    pub hash: String,
}

fn anchor_map(anchors: &[DayAnchor], days: Option<(NaiveDate, NaiveDate)>) -> anyhow::Result<Anchors> {
    let mut map = Anchors::new();
    for a in anchors {
        if days.is_some_and(|(from, to)| a.day < from || a.day > to) {
            continue;
        }
        for c in &a.chains {
            let hash = from_hex(&c.hash).filter(|h| h.len() == 32).with_context(|| {
                format!("the anchor of {} chain {} has a hash that is not 64 hex digits: {}", a.day, c.chain, c.hash)
            })?;
            let known = map.entry((a.day, c.chain)).or_default();
            let disagree = known.iter().any(|k| (k.seq == c.seq && k.hash != hash) || (k.closed && !a.open && k.seq != c.seq));
            anyhow::ensure!(!disagree, "the anchors disagree about {} chain {}", a.day, c.chain);
            known.push(Anchor { seq: c.seq, hash, closed: !a.open });
        }
    }
    Ok(map)
}

/// Reads an anchors file: one JSON object a line (as `sheba audit anchor` writes them).
pub fn read_anchors(path: &Path) -> anyhow::Result<Vec<DayAnchor>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("{} line {}: not an anchor", path.display(), i + 1)))
        .collect()
}

/// Which days `sheba audit anchor` anchors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchoring {
    /// Every closed day.
    Closed,
    /// One closed day.
    Day(NaiveDate),
    /// The days still open (today, and yesterday until 00:10 UTC), as far as they have come.
    Open,
}

/// The anchors of the closed days (or of one, or checkpoints of the open ones), after checking
/// their chains: a broken chain is not anchored (the error is [`Broken`]). A day closes at
/// midnight UTC, and is anchored from ten minutes past (by the database's clock), once every
/// transaction still appending to it has ended.
pub fn anchor(conn: &mut PgConnection, which: Anchoring) -> anyhow::Result<Vec<DayAnchor>> {
    let open = persistence::audit::first_open_day(conn)?;
    let last = open.pred_opt().context("no day before the database's clock")?;
    let (from, to) = match which {
        Anchoring::Day(d) => {
            anyhow::ensure!(d < open, "{d} is not closed yet: a day can be anchored from 00:10 UTC the next day (or use --open)");
            (d, d)
        }
        Anchoring::Closed => (persistence::audit::all_days().0, last),
        Anchoring::Open => (open, persistence::audit::all_days().1),
    };
    if which != Anchoring::Open {
        persistence::audit::wait_for_chain_writers(conn, from.max(last), to)?;
    }
    let report = verify(conn, Some((from, to)), &[])?;
    if !report.ok() {
        return Err(Broken(report).into());
    }
    let mut days: BTreeMap<NaiveDate, DayAnchor> = BTreeMap::new();
    for ((d, shard), end) in &report.ends {
        let a = days.entry(*d).or_insert_with(|| DayAnchor { day: *d, open: *d >= open, rows: 0, chains: vec![] });
        a.rows += end.rows;
        a.chains.push(ChainAnchor { chain: *shard, seq: end.seq, hash: to_hex(&end.hash) });
    }
    Ok(days.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn row(shard: i16, seq: i64) -> ChainLink {
        ChainLink {
            chain_day: day(),
            chain_shard: shard,
            chain_seq: seq,
            chain_hash: vec![],
            id: Uuid::from_u128(((shard as u128) << 64) | seq as u128),
            occurred_at: chrono::Utc.with_ymd_and_hms(2026, 11, 30, 6, 0, seq as u32 % 60).unwrap(),
            actor_id: None,
            actor_label: "রহিমা".into(),
            action: "case.read".into(),
            entity_type: "case".into(),
            entity_id: format!("c-{seq}"),
            before: None,
            after: Some(r#"{"status": "intake"}"#.into()),
            request_id: Some("req".into()),
        }
    }

    /// A chain of `n` rows, hashed as the trigger would.
    fn chain(shard: i16, n: i64) -> Vec<ChainLink> {
        let mut previous = GENESIS.to_vec();
        (1..=n)
            .map(|seq| {
                let mut r = row(shard, seq);
                r.chain_hash = link_hash(&previous, &content(&r)).to_vec();
                previous.clone_from(&r.chain_hash);
                r
            })
            .collect()
    }

    fn heads_of(rows: &[ChainLink]) -> Vec<(ChainKey, i64, Vec<u8>)> {
        let mut heads: BTreeMap<ChainKey, (i64, Vec<u8>)> = BTreeMap::new();
        for r in rows {
            heads.insert((r.chain_day, r.chain_shard), (r.chain_seq, r.chain_hash.clone()));
        }
        heads.into_iter().map(|(k, (s, h))| (k, s, h)).collect()
    }

    fn check(rows: &[ChainLink], heads: &[(ChainKey, i64, Vec<u8>)], anchors: Anchors) -> Report {
        let mut v = Verifier::new(anchors);
        for r in rows {
            v.push(r);
        }
        v.finish(heads)
    }

    #[test]
    fn the_content_is_what_the_trigger_builds() {
        let mut r = row(3, 17);
        r.id = Uuid::parse_str("01936f5e-8a4b-7c3d-9e2f-0a1b2c3d4e5f").unwrap();
        r.occurred_at = chrono::Utc.timestamp_micros(1_764_482_400_123_456).unwrap();
        let text = String::from_utf8(content(&r)).unwrap();
        assert_eq!(
            text,
            "10:2026-11-30\
             1:3\
             2:17\
             36:01936f5e-8a4b-7c3d-9e2f-0a1b2c3d4e5f\
             16:1764482400123456\
             ~\
             15:রহিমা\
             9:case.read\
             4:case\
             4:c-17\
             ~\
             20:{\"status\": \"intake\"}\
             3:req"
        );
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let mut rows = chain(0, 5);
        rows.extend(chain(7, 3));
        let r = check(&rows, &heads_of(&rows), Anchors::new());
        assert!(r.ok(), "{}", r.summary());
        assert_eq!((r.rows, r.ends.len(), r.days()), (8, 2, 1));
        assert_eq!(r.summary(), "ok: 8 rows in 2 chains over 1 days");
    }

    #[test]
    fn a_changed_row_is_the_first_broken_link_and_the_only_one() {
        let rows = chain(0, 5);
        let heads = heads_of(&rows);
        let mut changed = rows.clone();
        changed[2].after = Some(r#"{"status": "closed"}"#.into());
        let r = check(&changed, &heads, Anchors::new());
        assert_eq!(r.breaks.len(), 1, "{}", r.summary());
        assert_eq!(r.breaks[0], Break { chain: Some((day(), 0)), seq: Some(3), event: Some(rows[2].id), fault: Fault::Altered });
        assert!(r.summary().starts_with("broken: day 2026-11-30, chain 0, seq 3, event "), "{}", r.summary());
        // Its hash recomputed too: then the next row no longer follows from it.
        changed[2].chain_hash = link_hash(&rows[1].chain_hash, &content(&changed[2])).to_vec();
        let r = check(&changed, &heads, Anchors::new());
        assert_eq!((r.breaks.len(), r.breaks[0].seq, &r.breaks[0].fault), (1, Some(4), &Fault::Altered), "{}", r.summary());
    }

    #[test]
    fn deleted_rows_show_as_a_gap_or_a_short_end() {
        let rows = chain(0, 5);
        let heads = heads_of(&rows);
        let mut gone = rows.clone();
        gone.remove(1);
        let r = check(&gone, &heads, Anchors::new());
        assert_eq!(r.breaks.len(), 1, "{}", r.summary());
        assert_eq!((r.breaks[0].seq, r.breaks[0].event, &r.breaks[0].fault), (Some(3), Some(rows[2].id), &Fault::Missing(2, 2)));
        let r = check(&rows[..4], &heads, Anchors::new());
        assert_eq!(
            (r.breaks.len(), r.breaks[0].seq, &r.breaks[0].fault),
            (1, Some(4), &Fault::HeadDiffers(5)),
            "{}",
            r.summary()
        );
        let r = check(&[], &heads, Anchors::new());
        assert_eq!(r.breaks[0].fault, Fault::NoRows(5));
        let r = check(&rows, &[], Anchors::new());
        assert_eq!(r.breaks[0].fault, Fault::NoHead);
    }

    #[test]
    fn a_repeated_seq_and_a_backdated_row_are_named() {
        let rows = chain(0, 3);
        let mut more = rows.clone();
        let mut forged = rows[1].clone();
        forged.id = Uuid::from_u128(99);
        more.insert(2, forged);
        let r = check(&more, &heads_of(&rows), Anchors::new());
        assert_eq!(r.breaks.len(), 1, "{}", r.summary());
        assert_eq!((r.breaks[0].event, &r.breaks[0].fault), (Some(Uuid::from_u128(99)), &Fault::Repeated));
        // A row chained today that claims to be from last week.
        let mut old = chain(0, 3);
        old[2].occurred_at -= chrono::Duration::days(7);
        old[2].chain_hash = link_hash(&old[1].chain_hash, &content(&old[2])).to_vec();
        let r = check(&old, &heads_of(&old), Anchors::new());
        assert_eq!(r.breaks.len(), 1, "{}", r.summary());
        assert!(matches!(r.breaks[0].fault, Fault::OutOfDay(_)), "{}", r.summary());
        // The day before is allowed: a transaction that began before midnight.
        let mut late = chain(0, 1);
        late[0].occurred_at = chrono::Utc.with_ymd_and_hms(2026, 11, 29, 23, 59, 59).unwrap();
        late[0].chain_hash = link_hash(&GENESIS, &content(&late[0])).to_vec();
        assert!(check(&late, &heads_of(&late), Anchors::new()).ok());
    }

    #[test]
    fn a_rewritten_day_verifies_alone_but_not_against_its_anchor() {
        let rows = chain(0, 4);
        let anchors: Anchors = [((day(), 0), vec![Anchor { seq: 4, hash: rows[3].chain_hash.clone(), closed: true }])].into();
        assert!(check(&rows, &heads_of(&rows), anchors.clone()).ok());
        // Row 2 changed and every hash after it recomputed (and the head): consistent.
        let mut rewritten = rows.clone();
        rewritten[1].entity_id = "someone-else".into();
        let mut previous = rewritten[0].chain_hash.clone();
        for r in rewritten.iter_mut().skip(1) {
            r.chain_hash = link_hash(&previous, &content(r)).to_vec();
            previous.clone_from(&r.chain_hash);
        }
        assert!(check(&rewritten, &heads_of(&rewritten), Anchors::new()).ok());
        let r = check(&rewritten, &heads_of(&rewritten), anchors.clone());
        assert_eq!((r.breaks.len(), r.breaks[0].seq, &r.breaks[0].fault), (1, Some(4), &Fault::AnchorDiffers), "{}", r.summary());
        // Rows added to an anchored day, a chain added to it, a chain shortened or gone.
        let mut longer = chain(0, 6);
        longer.extend(chain(5, 1));
        let r = check(&longer, &heads_of(&longer), anchors.clone());
        let faults: Vec<_> = r.breaks.iter().map(|b| (b.chain.unwrap().1, b.seq, b.fault.clone())).collect();
        assert_eq!(faults, [(0, Some(5), Fault::PastAnchor(4)), (5, Some(1), Fault::Unanchored)], "{}", r.summary());
        let short = chain(0, 3);
        let r = check(&short, &heads_of(&short), anchors.clone());
        assert_eq!(r.breaks[0].fault, Fault::BeforeAnchor(4));
        let r = check(&[], &[], anchors);
        assert_eq!(r.breaks[0].fault, Fault::ChainGone(4));
        // A checkpoint of a day still open: the chain must pass through it, and may go on.
        let checkpoint: Anchors = [((day(), 0), vec![Anchor { seq: 2, hash: rows[1].chain_hash.clone(), closed: false }])].into();
        let r = check(&longer, &heads_of(&longer), checkpoint.clone());
        assert!(r.ok(), "{}", r.summary());
        let r = check(&rewritten, &heads_of(&rewritten), checkpoint.clone());
        assert_eq!((r.breaks.len(), r.breaks[0].seq, &r.breaks[0].fault), (1, Some(2), &Fault::AnchorDiffers), "{}", r.summary());
        let r = check(&rows[..1], &heads_of(&rows[..1]), checkpoint);
        assert_eq!(r.breaks[0].fault, Fault::BeforeAnchor(2));
    }

    #[test]
    fn anchors_read_back_as_written() {
        let a = DayAnchor {
            day: day(),
            open: false,
            rows: 4,
            chains: vec![ChainAnchor { chain: 2, seq: 4, hash: to_hex(&[0xab; 32]) }],
        };
        let line = serde_json::to_string(&a).unwrap();
        assert_eq!(
            line,
            format!(r#"{{"day":"2026-11-30","rows":4,"chains":[{{"chain":2,"seq":4,"hash":"{}"}}]}}"#, "ab".repeat(32))
        );
        let map = anchor_map(&[serde_json::from_str(&line).unwrap()], None).unwrap();
        assert_eq!(map[&(day(), 2)], [Anchor { seq: 4, hash: vec![0xab; 32], closed: true }]);
        let open = serde_json::to_string(&DayAnchor { open: true, ..a.clone() }).unwrap();
        assert!(open.starts_with(r#"{"day":"2026-11-30","open":true,"rows":4,"#), "{open}");
        // A checkpoint and the day's closing anchor agree when the hash at the checkpoint's seq
        // is the same; two closing anchors must be the same.
        let checkpoint =
            DayAnchor { open: true, chains: vec![ChainAnchor { chain: 2, seq: 3, hash: to_hex(&[1; 32]) }], ..a.clone() };
        assert_eq!(anchor_map(&[checkpoint, a.clone()], None).unwrap()[&(day(), 2)].len(), 2);
        let bad = DayAnchor { chains: vec![ChainAnchor { chain: 2, seq: 4, hash: "xyz".into() }], ..a.clone() };
        assert!(anchor_map(&[bad], None).is_err());
        let other = DayAnchor { chains: vec![ChainAnchor { chain: 2, seq: 5, hash: to_hex(&[0xab; 32]) }], ..a.clone() };
        assert!(anchor_map(&[a, other], None).unwrap_err().to_string().contains("disagree"));
    }
}
