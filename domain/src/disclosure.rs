//! Statistical disclosure control for published tables: small cells are hidden (primary
//! suppression), and then enough other cells that no hidden one can be worked back out by
//! subtraction from a total (complementary suppression).
//!
//! A table is a list of cells and the additive relations between them ("these parts add up to
//! that total"). A relation with exactly one hidden member gives that member away, so another
//! member is hidden, the smallest first, until no relation has exactly one hidden member.
//! Cells can be tied (a row's amount of money follows its count): hiding one hides the others.
//! This is the usual one-relation-at-a-time method; the reports' tables are one- and two-way,
//! where it leaves no hidden cell that a single subtraction reveals.

/// One published figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub value: i64,
    pub hidden: bool,
}

impl Cell {
    pub fn new(value: i64) -> Cell {
        Cell { value, hidden: false }
    }
}

/// Cells (by index) that add up to another cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// Which cells may be primary-suppressed (counts of people) and which are tied to others.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub cells: Vec<Cell>,
    /// Counts of people: hidden when from 1 to `threshold - 1`.
    pub counts: Vec<usize>,
    pub relations: Vec<Relation>,
    /// Groups of cells hidden together (a count and the money beside it).
    pub ties: Vec<Vec<usize>>,
}

// Cells are addressed by the indices `add` returned, never by input; one out of range is a
// bug in the table's builder, and `get` would turn it into a loop that never ends.
#[allow(clippy::indexing_slicing)]
impl Table {
    pub fn add(&mut self, value: i64, is_count: bool) -> usize {
        self.cells.push(Cell::new(value));
        let i = self.cells.len() - 1;
        if is_count {
            self.counts.push(i);
        }
        i
    }

    fn hide(&mut self, i: usize) {
        if self.cells[i].hidden {
            return;
        }
        self.cells[i].hidden = true;
        let tied: Vec<usize> = self.ties.iter().filter(|t| t.contains(&i)).flatten().copied().collect();
        for j in tied {
            self.hide(j);
        }
    }

    /// Hides small counts and what would reveal them; returns how many cells are hidden.
    pub fn suppress(&mut self, threshold: i64) -> usize {
        for i in self.counts.clone() {
            if (1..threshold).contains(&self.cells[i].value) {
                self.hide(i);
            }
        }
        // Each round hides one more cell, so this ends.
        while let Some(i) = self.relations.iter().find_map(|r| {
            let members: Vec<usize> = r.parts.iter().copied().chain([r.total]).collect();
            let hidden = members.iter().filter(|&&m| self.cells[m].hidden).count();
            if hidden == 1 {
                self.complement(r, &members)
            } else {
                None
            }
        }) {
            self.hide(i);
        }
        self.cells.iter().filter(|c| c.hidden).count()
    }

    /// The member to hide beside the one hidden in `r`: the smallest non-zero part, else the
    /// total, else a zero part (hiding it is harmless: the reader learns nothing from a hidden zero).
    fn complement(&self, r: &Relation, members: &[usize]) -> Option<usize> {
        let visible = |i: &&usize| !self.cells[**i].hidden;
        r.parts
            .iter()
            .filter(visible)
            .filter(|&&i| self.cells[i].value != 0)
            .min_by_key(|&&i| (self.cells[i].value, i))
            .or_else(|| Some(&r.total).filter(visible))
            .or_else(|| members.iter().find(visible))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Whether a hidden cell can be solved for: some relation has it as the only hidden member.
    fn solvable(t: &Table) -> bool {
        t.relations.iter().any(|r| r.parts.iter().chain([&r.total]).filter(|&&m| t.cells[m].hidden).count() == 1)
    }

    /// A facility table: one row per home, a total row; boys + girls = children per row.
    fn homes(rows: &[(i64, i64)]) -> Table {
        let mut t = Table::default();
        let mut boys = vec![];
        let mut girls = vec![];
        for &(b, g) in rows {
            let (bi, gi) = (t.add(b, true), t.add(g, true));
            let all = t.add(b + g, true);
            t.relations.push(Relation { total: all, parts: vec![bi, gi] });
            boys.push(bi);
            girls.push(gi);
        }
        let tb = t.add(rows.iter().map(|r| r.0).sum(), true);
        let tg = t.add(rows.iter().map(|r| r.1).sum(), true);
        t.relations.push(Relation { total: tb, parts: boys });
        t.relations.push(Relation { total: tg, parts: girls });
        t
    }

    #[test]
    fn a_small_cell_beside_a_total_takes_a_second_cell_with_it() {
        let mut t = homes(&[(3, 20), (30, 40), (25, 12)]);
        let hidden = t.suppress(5);
        assert!(t.cells[0].hidden, "3 boys in the first home is small");
        assert!(!solvable(&t));
        // Within the row, the girls (20) or the total (23) went too; across rows, another home's boys.
        assert!(hidden >= 3, "{hidden}");
        assert!(hidden < t.cells.len() / 2, "not everything: {:?}", t.cells);
    }

    #[test]
    fn no_small_cells_no_suppression() {
        let mut t = homes(&[(10, 20), (30, 40)]);
        assert_eq!(t.suppress(5), 0);
        assert!(t.cells.iter().all(|c| !c.hidden));
    }

    #[test]
    fn zero_is_published_and_money_follows_its_count() {
        let mut t = Table::default();
        let count = t.add(2, true);
        let money = t.add(1300, false);
        let zero = t.add(0, true);
        t.ties.push(vec![count, money]);
        t.suppress(5);
        assert!(t.cells[count].hidden && t.cells[money].hidden);
        assert!(!t.cells[zero].hidden);
    }

    #[test]
    fn when_every_other_part_is_zero_the_total_is_hidden() {
        let mut t = Table::default();
        let a = t.add(2, true);
        let b = t.add(0, true);
        let total = t.add(2, true);
        t.relations.push(Relation { total, parts: vec![a, b] });
        t.suppress(5);
        assert!(t.cells[total].hidden, "else the total gives the 2 away");
        assert!(!solvable(&t));
    }

    proptest! {
        /// Whatever the figures, after suppression no small count is visible and no hidden
        /// cell is the only hidden member of a relation.
        #[test]
        fn nothing_small_is_visible_or_solvable(rows in proptest::collection::vec((0i64..12, 0i64..12), 1..8)) {
            let mut t = homes(&rows);
            t.suppress(5);
            prop_assert!(!solvable(&t));
            for &i in &t.counts {
                prop_assert!(t.cells[i].hidden || !(1..5).contains(&t.cells[i].value));
            }
        }
    }
}
