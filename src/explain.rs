//! Explanation trees: built from the rows the rules derived (checks, cited records, derived details), rendered as
//! text for a reviewer or as JSON for tools.

use crate::facts::{FactSet, Rec};
use crate::params::Params;
use crate::program::{Check, ClauseId, Detail, Role, Subj};
use crate::time::Time;
use crate::value::Val;
use crate::verdict::{Evaluation, Status};
use serde::Serialize;
use serde_json::Value as Json;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

#[derive(Serialize, Debug)]
pub struct Evidence {
    pub file: String,
    pub line: u32,
    pub record: Json,
}

#[derive(Serialize, Debug)]
pub struct Node {
    pub clause: Option<String>,
    pub role: &'static str,
    pub outcome: &'static str,
    pub text: String,
    pub observed: Json,
    pub required: Json,
    /// The comparison the clause makes ("≥", "≤", …); an extension to the contract's node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<&'static str>,
    pub param: Option<String>,
    pub evidence: Vec<Evidence>,
    pub children: Vec<Node>,
    /// Set on a node that holds another subject's tree (a product's shop); an extension to the contract's node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<SubjectJson>,
}

#[derive(Serialize, Debug)]
pub struct SubjectJson {
    pub kind: String,
    pub id: String,
}

#[derive(Serialize, Debug)]
pub struct Tree {
    pub program: &'static str,
    pub subject: SubjectJson,
    pub verdict: &'static str,
    pub tier: Option<&'static str>,
    pub as_of: String,
    pub children: Vec<Node>,
}

pub struct Explainer<'a> {
    pub eval: &'a Evaluation,
    pub facts: &'a FactSet,
    pub params: &'a Params,
    pub as_of: Time,
    pub lang: Lang,
}

impl Explainer<'_> {
    pub fn tree(&self, s: Subj) -> Tree {
        let subj = self.eval.subject(s);
        let v = &self.eval.verdicts[s as usize];
        Tree {
            program: self.eval.program.id,
            subject: SubjectJson {
                kind: subj.kind.clone(),
                id: subj.id.clone(),
            },
            verdict: v.status.name(),
            tier: v.tier,
            as_of: self.as_of.to_string(),
            children: self.clause_nodes(s),
        }
    }

    /// One node per clause outcome, in catalogue order; then the flags and rewards the subject carries.
    pub fn clause_nodes(&self, s: Subj) -> Vec<Node> {
        let program = self.eval.program;
        let kind = &self.eval.subject(s).kind;
        let v = &self.eval.verdicts[s as usize];
        let mut out = Vec::new();
        for (k, meta) in program.clauses.iter().enumerate().filter(|(_, m)| m.subject == kind) {
            let id = ClauseId(k as u16);
            let full = program.full_id(id);
            let text = match self.lang {
                Lang::En => meta.en,
                Lang::Zh => meta.zh,
            };
            match meta.role {
                Role::Verdict | Role::Tier => {
                    for c in self.eval.check_rows(s).filter(|c| c.clause == id) {
                        out.push(self.check_node(s, c, text.to_string()));
                    }
                }
                Role::Flag => {
                    if v.flags.contains(&id) {
                        out.push(Node {
                            clause: Some(full.clone()),
                            role: "flag",
                            outcome: "info",
                            text: text.into(),
                            observed: Json::Null,
                            required: Json::Null,
                            op: None,
                            param: meta.param.map(str::to_string),
                            evidence: self.evidence(self.eval.cited(s, id)),
                            children: self.children(s, id),
                            subject: None,
                        });
                    }
                }
                Role::Reward => {
                    if v.status == Status::Admitted {
                        // a reward clause's own outcome (a provider-month total, the redemption dates)
                        for c in self.eval.check_rows(s).filter(|c| c.clause == id) {
                            out.push(self.check_node(s, c, format!("{text}: {}", c.observed.text(&self.facts.syms))));
                        }
                        // with a total node above, each reward shows only its own records; alone, it carries the
                        // clause's evidence and derived nodes
                        let alone = self.eval.check_rows(s).all(|c| c.clause != id);
                        for r in self.eval.reward_rows(s, id) {
                            let shared: Vec<Rec> = if alone { self.eval.cited(s, id).collect() } else { Vec::new() };
                            let who: Vec<String> = r
                                .extra
                                .iter()
                                .filter(|(k, _)| k.ends_with("_id"))
                                .map(|(_, v)| v.text(&self.facts.syms))
                                .collect();
                            let who = if who.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", who.join(", "))
                            };
                            out.push(Node {
                                clause: Some(full.clone()),
                                role: "reward",
                                outcome: "info",
                                text: format!("{text}: {} {} {}{who}", r.kind, r.amount, r.unit),
                                observed: Val::Dec(r.amount).json(&self.facts.syms),
                                required: Json::Null,
                                op: None,
                                param: meta.param.map(str::to_string),
                                evidence: self.evidence(r.evidence.iter().copied().chain(shared)),
                                children: if alone { self.children(s, id) } else { Vec::new() },
                                subject: None,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// The node of one outcome a rule derived for a clause: observed and required values, the parameter, the cited
    /// records and the derived nodes under it.
    fn check_node(&self, s: Subj, c: &Check, text: String) -> Node {
        let meta = self.eval.program.meta(c.clause);
        Node {
            clause: Some(self.eval.program.full_id(c.clause)),
            role: meta.role.name(),
            outcome: c.outcome.name(),
            text,
            observed: c.observed.json(&self.facts.syms),
            required: c.required.json(&self.facts.syms),
            op: (!meta.op.is_empty()).then_some(meta.op),
            param: meta.param.map(str::to_string),
            evidence: self.evidence(self.eval.cited(s, c.clause)),
            children: self.children(s, c.clause),
            subject: None,
        }
    }

    fn evidence(&self, recs: impl Iterator<Item = Rec>) -> Vec<Evidence> {
        let mut ev: Vec<Evidence> = recs
            .map(|r| {
                let (file, line) = self.facts.origin(r);
                Evidence {
                    file: file.to_string(),
                    line,
                    record: self.facts.record_json(r),
                }
            })
            .collect();
        ev.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        ev.dedup_by(|a, b| a.file == b.file && a.line == b.line);
        ev
    }

    /// Under a clause: its derived nodes, then the tree of any subject whose verdict it carries.
    fn children(&self, s: Subj, clause: ClauseId) -> Vec<Node> {
        let mut out = self.details(s, clause);
        for inner in self.eval.nested(s, clause) {
            let subj = self.eval.subject(inner);
            let v = &self.eval.verdicts[inner as usize];
            let mut text = format!("{} {} — {}", subj.kind, subj.id, verdict_word(v.status.name(), self.lang));
            if let Some(t) = v.tier {
                text.push_str(&format!(", {t}"));
            }
            out.push(Node {
                clause: None,
                role: "derived",
                outcome: match v.status {
                    Status::Admitted => "pass",
                    Status::Rejected => "fail",
                    Status::Undetermined => "missing",
                },
                text,
                observed: Json::Null,
                required: Json::Null,
                op: None,
                param: None,
                evidence: Vec::new(),
                children: self.clause_nodes(inner),
                subject: Some(SubjectJson {
                    kind: subj.kind.clone(),
                    id: subj.id.clone(),
                }),
            });
        }
        out
    }

    /// Derived nodes of one clause, nested by their paths.
    fn details(&self, s: Subj, clause: ClauseId) -> Vec<Node> {
        let mut rows: Vec<&Detail> = self.eval.detail_rows(s, clause);
        rows.sort_by(|a, b| a.path.cmp(&b.path));
        self.nest(&rows, 0)
    }

    fn nest(&self, rows: &[&Detail], depth: usize) -> Vec<Node> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < rows.len() {
            let d = rows[i];
            let prefix = &d.path[..=depth.min(d.path.len() - 1)];
            let mut j = i + 1;
            while j < rows.len() && rows[j].path.len() > depth + 1 && rows[j].path.starts_with(prefix) {
                j += 1;
            }
            out.push(Node {
                clause: None,
                role: "derived",
                outcome: "info",
                text: self.message(d),
                observed: Json::Null,
                required: Json::Null,
                op: None,
                param: None,
                evidence: self.evidence(d.evidence.iter().copied()),
                children: self.nest(&rows[i + 1..j], depth + 1),
                subject: None,
            });
            i = j;
        }
        out
    }

    fn message(&self, d: &Detail) -> String {
        let m = self.eval.program.message(d.msg).unwrap_or_else(|| panic!("no message `{}`", d.msg));
        let mut t = match self.lang {
            Lang::En => m.en,
            Lang::Zh => m.zh,
        }
        .to_string();
        for (i, a) in d.args.iter().enumerate() {
            t = t.replace(&format!("{{{i}}}"), &a.text(&self.facts.syms));
        }
        t
    }
}

fn mark(outcome: &str) -> &'static str {
    match outcome {
        "pass" => "✓",
        "fail" => "✗",
        "missing" => "?",
        _ => "•",
    }
}

fn verdict_word(v: &str, lang: Lang) -> &str {
    match (lang, v) {
        (Lang::Zh, "admitted") => "准入",
        (Lang::Zh, "rejected") => "拒绝",
        (Lang::Zh, "undetermined") => "待定(证据缺失)",
        _ => v,
    }
}

fn json_text(j: &Json) -> String {
    match j {
        Json::String(s) => s.clone(),
        Json::Object(o) if o.len() == 2 && o.contains_key("from") && o.contains_key("to") => {
            format!("{} … {}", json_text(&o["from"]), json_text(&o["to"]))
        }
        other => other.to_string(),
    }
}

/// The text tree: verdict first, then each clause with ✓/✗/?, observed and required values and the records cited.
pub fn render_text(t: &Tree, lang: Lang) -> String {
    let (as_of, tier_word) = match lang {
        Lang::En => ("as of", "tier"),
        Lang::Zh => ("截至", "档位"),
    };
    let mut s = format!("{} {} — {}", t.subject.kind, t.subject.id, verdict_word(t.verdict, lang));
    if let Some(tier) = t.tier {
        s.push_str(&format!(", {tier_word} {tier}"));
    }
    s.push_str(&format!("  ({}, {as_of} {})\n", t.program, t.as_of));
    render_children(&t.children, "", lang, &mut s, true);
    s
}

fn render_children(nodes: &[Node], indent: &str, lang: Lang, out: &mut String, closes: bool) {
    for (i, n) in nodes.iter().enumerate() {
        let last = closes && i + 1 == nodes.len();
        let (branch, cont) = if last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
        out.push_str(indent);
        out.push_str(branch);
        out.push_str(&node_line(n, lang));
        let inline = n.evidence.len() == 1 && n.children.is_empty();
        if inline {
            out.push_str(&format!("   {}:{}", n.evidence[0].file, n.evidence[0].line));
        }
        out.push('\n');
        // Derived steps (a link chain) read before the records they lead to.
        let child_indent = format!("{indent}{cont}");
        render_children(&n.children, &child_indent, lang, out, n.evidence.is_empty() || inline);
        if !inline {
            for (k, e) in n.evidence.iter().enumerate() {
                out.push_str(&child_indent);
                out.push_str(if k + 1 == n.evidence.len() { "└─ " } else { "├─ " });
                out.push_str(&format!("{}:{}  {}\n", e.file, e.line, e.record));
            }
        }
    }
}

fn node_line(n: &Node, lang: Lang) -> String {
    let (required_w, observed_w, no_ev, not_applicable) = match lang {
        Lang::En => ("required", "observed", "no evidence", "does not apply"),
        Lang::Zh => ("要求", "实际", "缺少证据", "不适用"),
    };
    let Some(clause) = &n.clause else {
        return match n.subject {
            Some(_) => format!("{} {}", mark(n.outcome), n.text),
            None => n.text.clone(),
        };
    };
    let short = clause.split_once('/').map(|x| x.1).unwrap_or(clause);
    let mut line = format!("{} {short}  {}", mark(n.outcome), n.text);
    let op = n.op.unwrap_or("");
    let param = n.param.as_ref().map(|p| format!(" ({p})")).unwrap_or_default();
    match n.role {
        "verdict" | "tier" => {
            let obs = json_text(&n.observed);
            let req = json_text(&n.required);
            match (n.outcome, n.observed.is_null(), n.required.is_null()) {
                // a verdict clause that does not apply to this subject (an apparel-only clause on a general session)
                ("info", true, _) if n.role == "verdict" => line.push_str(&format!(": {not_applicable}")),
                ("info", false, _) if n.role == "verdict" => line.push_str(&format!(": {not_applicable} ({})", json_text(&n.observed))),
                // a requirement that is the parameter itself (a list of excluded kinds)
                (o, false, true) if o != "missing" && !op.is_empty() && n.param.is_some() => {
                    let p = n.param.as_deref().unwrap_or_default();
                    if o == "pass" {
                        line.push_str(&format!(": {obs} {op} {p}"));
                    } else {
                        line.push_str(&format!(": {observed_w} {obs} — {required_w} {op} {p}"));
                    }
                }
                ("missing", true, true) => line.push_str(&format!(" — {no_ev}")),
                ("missing", false, true) => line.push_str(&format!(" — {no_ev}; {observed_w} {obs}")),
                ("missing", true, false) => line.push_str(&format!(" — {no_ev}; {required_w} {op} {req}{param}")),
                ("missing", false, false) => line.push_str(&format!(" — {no_ev}; {observed_w} {obs}, {required_w} {op} {req}{param}")),
                ("pass", false, false) if !op.is_empty() => line.push_str(&format!(": {obs} {op} {req}{param}")),
                (_, false, false) => line.push_str(&format!(": {observed_w} {obs} — {required_w} {op} {req}{param}").replace("  ", " ")),
                (_, false, true) => line.push_str(&format!(": {obs}")),
                _ => {}
            }
        }
        _ => {}
    }
    line
}
