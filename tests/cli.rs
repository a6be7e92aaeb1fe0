//! The binary as users and scripts meet it: snapshots of `run` and `explain` on the shipped sample, exit codes,
//! the bad-input corpus under `tests/bad/`, determinism and atomic output.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DOUYIN: &str = "douyin-nianhuo-2023";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sample() -> PathBuf {
    root().join("facts").join(DOUYIN)
}

fn zhunru(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhunru"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run zhunru")
}

fn ok(args: &[&str]) -> String {
    let out = zhunru(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn copy_dir(from: &Path, to: &Path, edit: impl Fn(&str, String) -> String) {
    for e in std::fs::read_dir(from).expect("read dir") {
        let p = e.expect("entry").path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&p).expect("read");
        std::fs::write(to.join(&name), edit(&name, text)).expect("write");
    }
}

#[test]
fn run_on_the_sample() {
    let facts = sample();
    let out = ok(&["run", DOUYIN, "--facts", facts.to_str().unwrap()]);
    insta::assert_snapshot!("run_douyin_jsonl", out);
}

#[test]
fn run_formats() {
    let facts = sample();
    let f = facts.to_str().unwrap();
    let jsonl = ok(&["run", DOUYIN, "--facts", f]);
    let json: serde_json::Value = serde_json::from_str(&ok(&["run", "--program", DOUYIN, "--facts", f, "--format", "json"])).unwrap();
    let lines: Vec<serde_json::Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(json.as_array().unwrap(), &lines, "json is the array of the jsonl records");
    let csv = ok(&["run", DOUYIN, "--facts", f, "--format", "csv"]);
    assert_eq!(
        csv.lines().next(),
        Some("program,kind,id,verdict,tier,failed,missing,flags,rewards")
    );
    assert_eq!(csv.lines().count(), lines.len() + 1);
    assert!(csv.contains("douyin-nianhuo-2023,shop,S037,rejected,,douyin-nianhuo-2023/merchant.not-novice;douyin-nianhuo-2023/merchant.experience-score;douyin-nianhuo-2023/merchant.penalty-history,,,[]"));
    let table = ok(&["run", DOUYIN, "--facts", f, "--format", "table"]);
    assert_eq!(table.lines().count(), lines.len() + 1);
    let head: Vec<&str> = table.lines().take(16).collect();
    insta::assert_snapshot!("run_douyin_table_head", head.join("\n"));
}

#[test]
fn explain_text_and_json() {
    let facts = sample();
    let f = facts.to_str().unwrap();
    // rejected through a chain of three links, with a tie between two shortest paths
    insta::assert_snapshot!(
        "explain_shop_S020",
        ok(&["explain", DOUYIN, "--facts", f, "--subject", "shop:S020"])
    );
    // several failures at once, one of them through a direct link
    insta::assert_snapshot!(
        "explain_shop_S037",
        ok(&["explain", DOUYIN, "--facts", f, "--subject", "shop:S037"])
    );
    // undetermined: a shop known only from a registered product
    insta::assert_snapshot!(
        "explain_shop_S035",
        ok(&["explain", DOUYIN, "--facts", f, "--subject", "shop:S035"])
    );
    // a linked shop's suspension, in Chinese
    insta::assert_snapshot!(
        "explain_shop_S029_zh",
        ok(&["explain", DOUYIN, "--facts", f, "--subject", "shop:S029", "--lang", "zh"])
    );
    // every creator clause failing, with the lookback window and the records
    insta::assert_snapshot!(
        "explain_creator_C14",
        ok(&["explain", DOUYIN, "--facts", f, "--subject", "creator:C14"])
    );
    insta::assert_snapshot!(
        "explain_shop_S020_json",
        ok(&["explain", DOUYIN, "--facts", f, "--subject", "shop:S020", "--format", "json"])
    );
    insta::assert_snapshot!(
        "explain_creator_C08_json",
        ok(&["explain", DOUYIN, "--facts", f, "--subject", "creator:C08", "--format", "json"])
    );
}

#[test]
fn explain_products_and_orders() {
    let facts = sample();
    let f = facts.to_str().unwrap();
    let explain = |subject: &str, extra: &[&str]| {
        let mut args = vec!["explain", DOUYIN, "--facts", f, "--subject", subject];
        args.extend(extra);
        ok(&args)
    };
    // basic: a same-sku sibling's page price, scheduled inside the check window, sets the check price
    insta::assert_snapshot!("explain_product_P-SIB-A", explain("product:P-SIB-A", &[]));
    // traffic-boost: declared price equal to the check price and to the recommended price
    insta::assert_snapshot!("explain_product_P-TIER-BOOST", explain("product:P-TIER-BOOST", &[]));
    // no page price in the window: basic with the flag
    insta::assert_snapshot!("explain_product_P-TIER-NOPRICE", explain("product:P-TIER-NOPRICE", &[]));
    // undetermined: the shop's tree nested under product.merchant-admitted, and the rates without evidence
    insta::assert_snapshot!("explain_product_P-035-1", explain("product:P-035-1", &[]));
    // withdrawn from 跨店每满减 before its registration, in Chinese
    insta::assert_snapshot!(
        "explain_product_P-WITHDRAWN-THEN-REG_zh",
        explain("product:P-WITHDRAWN-THEN-REG", &["--lang", "zh"])
    );
    // two page-price records tie for the check price: both cited
    insta::assert_snapshot!("explain_product_P-TIE_json", explain("product:P-TIE", &["--format", "json"]));
    // a claim: the order, its price and the lower page price that decides the amount
    insta::assert_snapshot!("explain_order_O-CLAIM-249", explain("order:O-CLAIM-249", &[]));
    // a lower price one second ahead of payment
    insta::assert_snapshot!("explain_order_O-DROP-LAST", explain("order:O-DROP-LAST", &[]));
    // a global merchant: no price protection
    insta::assert_snapshot!("explain_order_O-GLOBAL-SHOP", explain("order:O-GLOBAL-SHOP", &[]));
    // the product of a shop without merchant record
    insta::assert_snapshot!("explain_order_O-035-1", explain("order:O-035-1", &[]));
}

#[test]
fn a_rejection_through_a_link_shows_the_chain_to_the_penalty_record() {
    let facts = sample();
    let text = ok(&["explain", DOUYIN, "--facts", facts.to_str().unwrap(), "--subject", "shop:S020"]);
    let lines: Vec<&str> = text.lines().collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in\n{text}"))
    };
    let (a, b, c, p) = (
        at("S020 —[same legal representative]→ S021   shop_link.jsonl:1"),
        at("S021 —[same payment account]→ S022   shop_link.jsonl:2"),
        at("S022 —[same business licence]→ S023   shop_link.jsonl:3"),
        at("penalty.jsonl:4"),
    );
    assert!(a < b && b < c && c < p, "{text}");
}

#[test]
fn explain_of_a_non_subject_is_bad_input() {
    let facts = sample();
    let f = facts.to_str().unwrap();
    for subject in ["shop:S999", "creator:C13", "order:O1", "S001"] {
        let out = zhunru(&["explain", DOUYIN, "--facts", f, "--subject", subject]);
        assert_eq!(out.status.code(), Some(2), "{subject}");
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--subject"), "{subject}");
    }
}

#[test]
fn same_input_gives_byte_identical_output_whatever_the_line_order() {
    for program in [DOUYIN, JD, SP, DAREN, LEVELS] {
        let facts = root().join("facts").join(program);
        let f = facts.to_str().unwrap();
        let first = ok(&["run", program, "--facts", f]);
        assert!(first == ok(&["run", program, "--facts", f]), "{program}: a rerun differs");
        let shuffled = scratch(&format!("shuffled-{program}"));
        copy_dir(&facts, &shuffled, |name, text| {
            if !name.ends_with(".jsonl") {
                return text;
            }
            // a fixed permutation: odd lines reversed, then even lines
            let lines: Vec<&str> = text.lines().collect();
            let mut out: Vec<&str> = lines.iter().copied().skip(1).step_by(2).collect();
            out.reverse();
            out.extend(lines.iter().copied().step_by(2));
            out.join("\n") + "\n"
        });
        assert!(
            first == ok(&["run", program, "--facts", shuffled.to_str().unwrap()]),
            "{program}: shuffled lines give other output"
        );
        let _ = std::fs::remove_dir_all(&shuffled);
    }
}

#[test]
fn accepted_encodings_bom_crlf_blank_lines_empty_files_and_json_arrays() {
    let facts = sample();
    // baseline: the sample without discount signups (no file: an empty relation)
    let baseline = scratch("accepted-baseline");
    copy_dir(&facts, &baseline, |_, t| t);
    std::fs::remove_file(baseline.join("discount_signup.jsonl")).unwrap();
    let want = ok(&["run", DOUYIN, "--facts", baseline.to_str().unwrap()]);
    let dir = scratch("accepted");
    copy_dir(&baseline, &dir, |name, text| match name {
        "merchant.jsonl" => format!("\u{feff}{}", text.replace('\n', "\r\n\r\n")),
        _ => text,
    });
    std::fs::write(dir.join("discount_signup.jsonl"), "").unwrap();
    std::fs::write(dir.join(".notes"), "hidden files are ignored").unwrap();
    // creator.jsonl rewritten as a JSON array
    let creators: Vec<serde_json::Value> = std::fs::read_to_string(facts.join("creator.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    std::fs::remove_file(dir.join("creator.jsonl")).unwrap();
    std::fs::write(dir.join("creator.json"), serde_json::to_string_pretty(&creators).unwrap()).unwrap();
    let got = ok(&["run", DOUYIN, "--facts", dir.to_str().unwrap()]);
    assert!(got == want, "the re-encoded fact set gives other verdicts");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&baseline);
}

#[test]
fn out_is_written_whole_or_not_at_all() {
    let facts = sample();
    let f = facts.to_str().unwrap();
    let dir = scratch("out");
    let target = dir.join("verdicts.jsonl");
    let out = zhunru(&["run", DOUYIN, "--facts", f, "--out", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("subjects —"),
        "one-line summary on stderr"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), ok(&["run", DOUYIN, "--facts", f]));
    // bad input: the previous file stays as it was and no temporary file is left
    let before = std::fs::read_to_string(&target).unwrap();
    let bad = root().join("tests/bad/truncated-line");
    let out = zhunru(&["run", DOUYIN, "--facts", bad.to_str().unwrap(), "--out", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), before);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left behind");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each directory under tests/bad is a fact set with one kind of error; `expect.txt` lists what stderr must say.
#[test]
fn bad_input_corpus_exits_2_naming_file_line_and_field() {
    let mut errs = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 20);
    for dir in dirs {
        let expect = std::fs::read_to_string(dir.join("expect.txt")).unwrap();
        let staged = scratch(&format!("bad-{}", dir.file_name().unwrap().to_string_lossy()));
        copy_dir(&dir, &staged, |_, t| t);
        std::fs::remove_file(staged.join("expect.txt")).unwrap();
        for cmd in ["run", "check", "explain"] {
            let mut args = vec![cmd, DOUYIN, "--facts", staged.to_str().unwrap()];
            if cmd == "explain" {
                args.extend(["--subject", "shop:S1"]);
            }
            if cmd == "check" && dir.ends_with("no-as-of") {
                continue; // check validates facts and parameters; it needs no as-of time
            }
            let out = zhunru(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let name = format!("{} ({cmd})", dir.display());
            if out.status.code() != Some(2) {
                errs.push(format!("{name}: exit {:?}, expected 2\n{stderr}", out.status.code()));
            }
            if !out.stdout.is_empty() {
                errs.push(format!("{name}: wrote to stdout"));
            }
            for want in expect.lines().filter(|l| !l.is_empty()) {
                if !stderr.contains(want) {
                    errs.push(format!("{name}: stderr lacks `{want}`:\n{stderr}"));
                }
            }
        }
        let _ = std::fs::remove_dir_all(&staged);
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

/// Hostile inputs git cannot hold as files: bytes that are not UTF-8, a BOM inside a file, a directory in place of a file.
#[test]
fn hostile_files_exit_2() {
    // a 10 MB line of garbage, and a 10 MB string that never closes: named by file and line, not echoed back
    let garbage = "garbage".repeat(1_500_000) + "\n";
    let open_string = format!("{{\"shop_id\":\"{}\n", "x".repeat(10_000_000));
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "merchant.jsonl",
            garbage.as_bytes(),
            "merchant.jsonl:1: not a JSON object: expected value (column 1)",
        ),
        (
            "merchant.jsonl",
            open_string.as_bytes(),
            "merchant.jsonl:1: not a JSON object: EOF while parsing a string",
        ),
        (
            "merchant.jsonl",
            b"{\"shop_id\":\"S1\",\"kind\":\"store\",\"novice\":false}\n{\"shop_id\":\"S\xff\"}\n",
            "merchant.jsonl:2: not UTF-8",
        ),
        (
            "merchant.jsonl",
            "{\"shop_id\":\"S1\",\"kind\":\"store\",\"novice\":false}\n\u{feff}{\"shop_id\":\"S2\",\"kind\":\"store\",\"novice\":false}\n"
                .as_bytes(),
            "merchant.jsonl:2: not a JSON object",
        ),
        ("penalty.jsonl/", b"", "penalty.jsonl: not a regular file"),
    ];
    for (name, bytes, want) in cases {
        let dir = scratch("hostile");
        std::fs::write(dir.join("params.json"), r#"{"as_of":"2023-01-05"}"#).unwrap();
        if let Some(d) = name.strip_suffix('/') {
            std::fs::create_dir(dir.join(d)).unwrap();
        } else {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        let out = zhunru(&["run", DOUYIN, "--facts", dir.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{want}: {stderr}");
        assert!(out.stdout.is_empty());
        assert!(stderr.contains(want), "expected `{want}` in {stderr}");
        assert!(stderr.len() < 2_000, "the error message echoes the input: {} bytes", stderr.len());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Files that exist by name but cannot be read: a dangling link, a loop of links, and (when not running as root,
/// which reads anything) a file without read permission. Each is named, with the reason, and nothing is written.
#[cfg(unix)]
#[test]
fn unreadable_files_exit_2_naming_them() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = scratch("unreadable");
    std::fs::write(dir.join("params.json"), r#"{"as_of":"2023-01-05"}"#).unwrap();
    symlink(dir.join("nowhere.jsonl"), dir.join("merchant.jsonl")).unwrap();
    symlink(dir.join("suspension.jsonl"), dir.join("penalty.jsonl")).unwrap();
    symlink(dir.join("penalty.jsonl"), dir.join("suspension.jsonl")).unwrap();
    let locked = dir.join("experience_score.jsonl");
    std::fs::write(&locked, "{\"shop_id\":\"S1\",\"score\":4.6,\"date\":\"2023-01-01\"}\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let root_reads_anyway = std::fs::read(&locked).is_ok();
    let target = dir.join("verdicts.jsonl");
    let out = zhunru(&["run", DOUYIN, "--facts", dir.to_str().unwrap(), "--out", target.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty() && !target.exists(), "a result was written");
    for want in [
        "merchant.jsonl: cannot read: No such file or directory",
        "penalty.jsonl: cannot read: Too many levels of symbolic links",
        "suspension.jsonl: cannot read: Too many levels of symbolic links",
    ] {
        assert!(stderr.contains(want), "expected `{want}` in {stderr}");
    }
    if !root_reads_anyway {
        assert!(
            stderr.contains("experience_score.jsonl: cannot read: Permission denied"),
            "{stderr}"
        );
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn as_of_flag_overrides_params_and_a_date_means_end_of_day() {
    let facts = sample();
    let f = facts.to_str().unwrap();
    // On 2023-01-04 the 2023-01-05 penalty of S038 is not yet known.
    let earlier = ok(&["run", DOUYIN, "--facts", f, "--as-of", "2023-01-04"]);
    let s038 = earlier.lines().find(|l| l.contains("\"S038\"")).unwrap();
    assert!(s038.contains("\"admitted\""), "{s038}");
    let text = ok(&["explain", DOUYIN, "--facts", f, "--subject", "shop:S001", "--as-of", "2023-01-04"]);
    assert!(text.lines().next().unwrap().contains("as of 2023-01-04T23:59:59"), "{text}");
}

#[test]
fn programs_rules_and_check() {
    let programs = ok(&["programs"]);
    assert!(programs.starts_with("douyin-nianhuo-2023\t"), "{programs}");
    let rules: serde_json::Value = serde_json::from_str(&ok(&["rules", DOUYIN, "--format", "json"])).unwrap();
    let ids: Vec<&str> = rules["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"douyin-nianhuo-2023/merchant.penalty-history"));
    let p = rules["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "min_experience_score")
        .unwrap();
    assert_eq!(p["default"].to_string(), "4.5");
    assert!(ok(&["rules", DOUYIN]).contains("link_closure"));
    let facts = sample();
    assert!(ok(&["check", DOUYIN, "--facts", facts.to_str().unwrap()]).starts_with("ok:"));
    assert_eq!(zhunru(&["run", "no-such-program", "--facts", "."]).status.code(), Some(2));
    assert_eq!(zhunru(&["run", DOUYIN]).status.code(), Some(2), "--facts is required");
    let bad_params = root().join("tests/bad/unknown-param/params.json");
    let out = zhunru(&[
        "run",
        DOUYIN,
        "--facts",
        facts.to_str().unwrap(),
        "--params",
        bad_params.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("params.json:3: field `min_score`: unknown parameter"));
}

const JD: &str = "jd-beijixing-2023-12";

#[test]
fn jd_run_and_explain() {
    let facts = root().join("facts").join(JD);
    let f = facts.to_str().unwrap();
    insta::assert_snapshot!("run_jd_jsonl", ok(&["run", JD, "--facts", f]));
    let explain = |subject: &str, extra: &[&str]| {
        let mut args = vec!["explain", JD, "--facts", f, "--subject", subject];
        args.extend(extra);
        ok(&args)
    };
    // rank 16 on the PK day: tied with rank 15 on duration and orders, the shop id decided
    insta::assert_snapshot!("explain_jd_J017@2023-12-05", explain("shop-day:J017@2023-12-05", &[]));
    // a cross-night session from the day before is shown, not counted
    insta::assert_snapshot!("explain_jd_J005@2023-12-04", explain("shop-day:J005@2023-12-04", &[]));
    // a session recorded for 24 hours: invalid, so no evidence for the averages
    insta::assert_snapshot!("explain_jd_J006@2023-12-04", explain("shop-day:J006@2023-12-04", &[]));
    // a preview counts for time and SKUs, not quality: averages exactly 3 and 60
    insta::assert_snapshot!("explain_jd_J008@2023-12-06", explain("shop-day:J008@2023-12-06", &[]));
    // still live at as-of: counted up to as-of; in Chinese
    insta::assert_snapshot!(
        "explain_jd_J012@2023-12-12_zh",
        explain("shop-day:J012@2023-12-12", &["--lang", "zh"])
    );
    // a virtual anchor's 8 hours do not count
    insta::assert_snapshot!(
        "explain_jd_J007@2023-12-04_json",
        explain("shop-day:J007@2023-12-04", &["--format", "json"])
    );
    insta::assert_snapshot!("explain_jd_anchor_A004", explain("anchor:A004", &[]));
    insta::assert_snapshot!("explain_jd_anchor_A005", explain("anchor:A005", &[]));
    // a shop-day id that no session creates
    let out = zhunru(&["explain", JD, "--facts", f, "--subject", "shop-day:J001@2023-12-31"]);
    assert_eq!(out.status.code(), Some(2));
}

const SP: &str = "taobao-sp-2021q4";
const DAREN: &str = "taobao-daren-2023-12";

#[test]
fn taobao_sp_run_explain_and_parameter_errors() {
    let facts = root().join("facts").join(SP);
    let f = facts.to_str().unwrap();
    insta::assert_snapshot!("run_sp_jsonl", ok(&["run", SP, "--facts", f]));
    let explain = |subject: &str| ok(&["explain", SP, "--facts", f, "--subject", subject]);
    // a V2 → V4 jump and M10's jump, with their level histories; the GMV of each merchant
    insta::assert_snapshot!("explain_sp_P1@2021-11", explain("sp-month:P1@2021-11"));
    // M10 also cooperates with P2, but counts for P1 whose cooperation started first
    insta::assert_snapshot!("explain_sp_P2@2021-11", explain("sp-month:P2@2021-11"));
    // M11 ended the cooperation mid-November: its October reward is flagged reassigned
    insta::assert_snapshot!("explain_sp_P1@2021-10", explain("sp-month:P1@2021-10"));
    // two active merchants and one unknown: missing
    insta::assert_snapshot!("explain_sp_P5@2021-12", explain("sp-month:P5@2021-12"));

    // coefficient_percent has no default: without it, bad input naming the parameter
    let dir = scratch("sp-no-coefficient");
    copy_dir(&facts, &dir, |name, text| {
        if name == "params.json" {
            r#"{"as_of": "2022-01-15"}"#.to_string()
        } else {
            text
        }
    });
    let out = zhunru(&["run", SP, "--facts", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("field `coefficient_percent`: required parameter is missing"),
        "{stderr}"
    );
    // bounds the types cannot say
    std::fs::write(
        dir.join("params.json"),
        r#"{"as_of": "2022-01-15", "coefficient_percent": -1, "lookback_months": 0, "negative_growth": "signed", "months": ["2021-13"]}"#,
    )
    .unwrap();
    let out = zhunru(&["run", SP, "--facts", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    for field in ["coefficient_percent", "negative_growth", "months"] {
        assert!(stderr.contains(&format!("field `{field}`")), "{field}: {stderr}");
    }
    std::fs::write(
        dir.join("params.json"),
        r#"{"as_of": "2022-01-15", "coefficient_percent": 8, "lookback_months": 0}"#,
    )
    .unwrap();
    let stderr = String::from_utf8_lossy(&zhunru(&["run", SP, "--facts", dir.to_str().unwrap()]).stderr).to_string();
    assert!(stderr.contains("field `lookback_months`: expected an integer ≥ 1"), "{stderr}");
    // two cooperation records of one provider and merchant that overlap
    std::fs::write(dir.join("params.json"), r#"{"as_of": "2022-01-15", "coefficient_percent": 8}"#).unwrap();
    let mut coop = std::fs::read_to_string(facts.join("sp_merchant.jsonl")).unwrap();
    coop.push_str("{\"sp_id\":\"P1\",\"merchant_id\":\"M01\",\"mode\":\"commission\",\"signed\":true,\"start\":\"2021-10-01\"}\n");
    let line = coop.lines().count();
    std::fs::write(dir.join("sp_merchant.jsonl"), coop).unwrap();
    let out = zhunru(&["check", SP, "--facts", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains(&format!("sp_merchant.jsonl:{line}: field `start`: overlaps the interval of line")),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn taobao_daren_run_explain_and_validation() {
    let facts = root().join("facts").join(DAREN);
    let f = facts.to_str().unwrap();
    insta::assert_snapshot!("run_daren_jsonl", ok(&["run", DAREN, "--facts", f]));
    let explain = |subject: &str, extra: &[&str]| {
        let mut args = vec!["explain", DAREN, "--facts", f, "--subject", subject];
        args.extend(extra);
        ok(&args)
    };
    // package C with G3/S3, the spend growth, the targets and the matched spend
    insta::assert_snapshot!("explain_daren_anchor_A01", explain("anchor:A01", &[]));
    // a seat refused: the ranking of the 500万 tier in December and where D10-1 fell (tied growth, later submission)
    insta::assert_snapshot!("explain_daren_session_D10-1", explain("session:D10-1", &[]));
    // an apparel session: a flash item at 129 cannot be exempt; the average above the midpoint asks for the upper tier
    insta::assert_snapshot!("explain_daren_session_D16-1", explain("session:D16-1", &[]));
    // an apparel session admitted: exactly 2 exempt flash items, 3 working days, the coupons with the apparel bonus
    insta::assert_snapshot!("explain_daren_session_D15-2_zh", explain("session:D15-2", &["--lang", "zh"]));
    // a cancelled month: the missed session behind it, and the flag that bans the next month
    insta::assert_snapshot!("explain_daren_month_A03@2023-12", explain("anchor-month:A03@2023-12", &[]));
    insta::assert_snapshot!(
        "explain_daren_month_A03@2024-01_json",
        explain("anchor-month:A03@2024-01", &["--format", "json"])
    );

    // facts checked against the parameters, and the tier tables checked on load
    let dir = scratch("daren-invalid");
    copy_dir(&facts, &dir, |name, text| match name {
        "signup.jsonl" => text + "{\"anchor_id\":\"A99\",\"gmv_target\":1,\"spend_target\":1,\"package\":\"E\"}\n",
        "apparel_history.jsonl" => text + "{\"anchor_id\":\"NOBODY\",\"best_session_gmv\":1,\"monthly_avg_gmv\":1}\n",
        "params.json" => r#"{"as_of": "2024-01-15T12:00:00",
            "gmv_tiers": [{"tier": "G1", "min_gmv": 2}, {"tier": "G1", "min_gmv": 1}],
            "packages": [{"package": "A", "rank": 1}, {"package": "B", "rank": 1}, {"package": "C", "rank": 0}],
            "package_allowance": [{"gmv_tier": "G1", "spend_tier": "S9", "best_package": "Z"}],
            "seats": []}"#
            .to_string(),
        _ => text,
    });
    let signup_line = std::fs::read_to_string(dir.join("signup.jsonl")).unwrap().lines().count();
    let history_line = std::fs::read_to_string(dir.join("apparel_history.jsonl")).unwrap().lines().count();
    let out = zhunru(&["run", DAREN, "--facts", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for want in [
        "field `gmv_tiers`: row 2: tier `G1` named twice".to_string(),
        "field `gmv_tiers`: row 2: minimum 1 is not above row 1's 2".to_string(),
        "field `packages`: row 2: rank 1 given twice".to_string(),
        "field `packages`: row 3: package `C` has rank 0".to_string(),
        "field `package_allowance`: row 1: `S9` is not a tier of spend_tiers".to_string(),
        "field `package_allowance`: row 1: `Z` is not a package of packages".to_string(),
        "field `package_allowance`: no row for the pair (G1, S1)".to_string(),
        "field `seats`: expected at least one row".to_string(),
        format!("apparel_history.jsonl:{history_line}: field `anchor_id`: `NOBODY` names no record of `anchor` or `signup` or `session_application`"),
    ] {
        assert!(stderr.contains(&want), "lacks `{want}`:\n{stderr}");
    }
    // with valid tables and references, the signup's unknown package is named
    std::fs::write(dir.join("params.json"), r#"{"as_of": "2024-01-15T12:00:00"}"#).unwrap();
    std::fs::copy(facts.join("apparel_history.jsonl"), dir.join("apparel_history.jsonl")).unwrap();
    let out = zhunru(&["check", DAREN, "--facts", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains(&format!(
            "signup.jsonl:{signup_line}: field `package`: `E` is not a package of the `packages` parameter (expected one of A, B, C, D)"
        )),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

const LEVELS: &str = "1688-anchor-levels";

#[test]
fn anchor_levels_run_explain_and_validation() {
    let facts = root().join("facts").join(LEVELS);
    let f = facts.to_str().unwrap();
    insta::assert_snapshot!("run_1688_jsonl", ok(&["run", LEVELS, "--facts", f]));
    let explain = |subject: &str, extra: &[&str]| {
        let mut args = vec!["explain", LEVELS, "--facts", f, "--subject", subject];
        args.extend(extra);
        ok(&args)
    };
    // a king ranked last at the end of January, back to honor with its peak, then 3/7/15 days without live
    insta::assert_snapshot!("explain_1688_shop_S11", explain("shop:S11", &[]));
    // honor minima met but ranked #4 of 9 with 3 places, tied with S03 on points: the id decided
    insta::assert_snapshot!("explain_1688_shop_S04", explain("shop:S04", &[]));
    // a 30-day streak: 150, 600, 1000 and 2000 points, each dated the day after the run reached its length
    insta::assert_snapshot!("explain_1688_shop_S29_zh", explain("shop:S29", &["--lang", "zh"]));
    // expert dropping to regular on 7-day minutes, charged on the Sunday of a short week
    insta::assert_snapshot!("explain_1688_shop_S25", explain("shop:S25", &[]));
    // an application refused after three failed contacts, and one approved in JSON
    insta::assert_snapshot!("explain_1688_app_KA2", explain("king-application:KA2", &[]));
    insta::assert_snapshot!("explain_1688_app_KA6_json", explain("king-application:KA6", &["--format", "json"]));

    // tables without defaults, checked on load; an application submitted outside its month
    let dir = scratch("levels-invalid");
    copy_dir(&facts, &dir, |name, text| match name {
        "king_application.jsonl" => {
            text + "{\"application_id\":\"KA9\",\"shop_id\":\"S01\",\"month\":\"2024-01\",\"submitted_at\":\"2024-02-01T00:00:00\"}\n"
        }
        "params.json" => r#"{"as_of": "2024-02-20T12:00:00",
            "level_requirements": [
                {"level": "novice", "min_points": 0, "min_effective_minutes_7d": 0, "min_service_stars": 0},
                {"level": "regular", "min_points": 500, "min_effective_minutes_7d": 120, "min_service_stars": 3.0},
                {"level": "expert", "min_points": 400, "min_effective_minutes_7d": 300, "min_service_stars": 3.5},
                {"level": "expert", "min_points": 5000, "min_effective_minutes_7d": 600, "min_service_stars": 4.0}],
            "no_live_streaks": [{"days": 5, "points": 100}]}"#
            .to_string(),
        _ => text,
    });
    let app_line = std::fs::read_to_string(dir.join("king_application.jsonl")).unwrap().lines().count();
    let out = zhunru(&["run", LEVELS, "--facts", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for want in [
        "field `points_rules`: required parameter is missing",
        "field `min_lighthouse_score`: required parameter is missing",
    ] {
        assert!(stderr.contains(want), "lacks `{want}`:\n{stderr}");
    }
    // with the required parameters present, the tables are checked
    let mut params: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("params.json")).unwrap()).unwrap();
    params["points_rules"] = serde_json::json!([
        {"category_id": "C1", "metric": "gmv", "threshold": 1, "points": 5},
        {"category_id": "C1", "metric": "gmv", "threshold": 1, "points": 6}]);
    params["min_lighthouse_score"] = serde_json::json!(80);
    std::fs::write(dir.join("params.json"), params.to_string()).unwrap();
    let stderr = String::from_utf8_lossy(&zhunru(&["run", LEVELS, "--facts", dir.to_str().unwrap()]).stderr).to_string();
    for want in [
        "field `level_requirements`: row 4: level `expert` given twice",
        "field `level_requirements`: no row for level `honor`",
        "field `level_requirements`: no row for level `king`",
        "field `points_rules`: row 2: (C1, gmv, 1) given twice",
        "field `no_live_streaks`: row 1: 5 days is no clause (expected 3, 7, 15 or 30)",
    ] {
        assert!(stderr.contains(want), "lacks `{want}`:\n{stderr}");
    }
    // valid parameters: the application outside its month is named
    let sample: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(facts.join("params.json")).unwrap()).unwrap();
    std::fs::write(dir.join("params.json"), sample.to_string()).unwrap();
    let out = zhunru(&["check", LEVELS, "--facts", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains(&format!(
            "king_application.jsonl:{app_line}: field `submitted_at`: expected a time in the application's month 2024-01, got 2024-02-01T00:00:00"
        )),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `run --shard K/N` on every sample: each subject in exactly one part, the parts merged in sort order byte for byte
/// the whole run's output; a malformed K/N is bad input.
#[test]
fn shards_merged_in_sort_order_are_the_whole_run() {
    for program in [DOUYIN, JD, SP, DAREN, LEVELS] {
        let facts = root().join("facts").join(program);
        let f = facts.to_str().unwrap();
        let whole = ok(&["run", program, "--facts", f]);
        let dir = scratch(&format!("shards-{program}"));
        let target = dir.join("part.jsonl");
        let mut lines: Vec<String> = (1..=3)
            .flat_map(|k| {
                let part = ok(&["run", program, "--facts", f, "--shard", &format!("{k}/3")]);
                // written to a file as the shards finish: the same bytes
                ok(&[
                    "run",
                    program,
                    "--facts",
                    f,
                    "--shard",
                    &format!("{k}/3"),
                    "--out",
                    target.to_str().unwrap(),
                ]);
                assert!(std::fs::read_to_string(&target).unwrap() == part, "{program} {k}/3 to a file");
                part.lines().map(str::to_string).collect::<Vec<_>>()
            })
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        lines.sort_by_cached_key(|line| {
            let j: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                j["subject"]["kind"].as_str().unwrap().to_string(),
                j["subject"]["id"].as_str().unwrap().to_string(),
            )
        });
        assert_eq!(
            lines.join("\n") + "\n",
            whole,
            "{program}: the parts merged differ from the whole run"
        );
    }
    for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
        let out = zhunru(&["run", DOUYIN, "--facts", sample().to_str().unwrap(), "--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--shard"), "{bad}");
    }
}

/// `--quiet`: the same records, nothing on standard error (no summary, no progress).
#[test]
fn quiet_run_writes_nothing_on_stderr() {
    let f = sample();
    let loud = zhunru(&["run", DOUYIN, "--facts", f.to_str().unwrap()]);
    let quiet = zhunru(&["run", DOUYIN, "--facts", f.to_str().unwrap(), "--quiet"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(quiet.stderr.is_empty(), "{}", String::from_utf8_lossy(&quiet.stderr));
    assert!(!loud.stderr.is_empty());
    assert_eq!(quiet.stdout, loud.stdout);
    // many shards, stderr a pipe: no progress bar, only the one-line summary
    let dir = scratch("progress");
    zhunru::generate::douyin(&dir, 600, 3).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_zhunru"))
        .args(["run", DOUYIN, "--facts", dir.to_str().unwrap()])
        .env("ZHUNRU_SHARD_SHOPS", "20")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr.lines().count() == 1 && !stderr.contains('\r'), "{stderr}");
    assert!(stderr.contains("subjects —"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A batch run killed while it holds sorted runs on disk and writes its output leaves neither behind: the runs have
/// no name (or lose it as soon as they are created), the output gets its name only once it is whole.
#[cfg(target_os = "linux")]
#[test]
fn a_killed_run_leaves_no_files_behind() {
    let dir = scratch("killed");
    zhunru::generate::douyin(&dir, 2000, 5).unwrap();
    let (tmp, out) = (scratch("killed-tmp"), scratch("killed-out"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhunru"))
        .args(["run", DOUYIN, "--facts", dir.to_str().unwrap(), "--quiet", "--out"])
        .arg(out.join("verdicts.jsonl"))
        .env("ZHUNRU_SHARD_SHOPS", "5")
        .env("ZHUNRU_SORT_MB", "0")
        .env("TMPDIR", &tmp)
        .spawn()
        .unwrap();
    // wait until the process has a run open in the temporary directory and its output open, then kill it there
    let fds = format!("/proc/{}/fd", child.id());
    let holds = |place: &std::path::Path| {
        std::fs::read_dir(&fds)
            .into_iter()
            .flatten()
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target.starts_with(place)))
    };
    while !(holds(&tmp) && holds(&out)) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was seen holding a sorted run"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "sorted runs left behind");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0, "a partial output left behind");
    for d in [dir, tmp, out] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// Loading in many small chunks (each file cut every ~1 KB, parsed out of order on two cores) and sorting the output
/// through runs spilled to disk (one per shard) give the bytes of one-chunk, in-memory runs; errors deep in a file
/// keep their line numbers; the spilled runs are removed.
#[test]
fn chunked_loading_and_spilled_sorting_change_nothing() {
    let dir = scratch("chunks");
    zhunru::generate::douyin(&dir, 600, 5).unwrap();
    let tmp = scratch("chunks-tmp");
    let run = |envs: &[(&str, &str)]| {
        let out = Command::new(env!("CARGO_BIN_EXE_zhunru"))
            .args(["run", DOUYIN, "--facts", dir.to_str().unwrap(), "--quiet"])
            .env("ZHUNRU_SHARD_SHOPS", "20")
            .env("TMPDIR", &tmp)
            .envs(envs.iter().copied())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let plain = run(&[]);
    assert!(plain.len() > 4 << 20, "the output spans several batches of the writer");
    assert!(plain == run(&[("ZHUNRU_CHUNK_KB", "1")]), "chunked loading changed the output");
    // a run spilled after every shard (a budget of 1 MB spilled none: the packed records of 600 shops are ~0.5 MB)
    assert!(plain == run(&[("ZHUNRU_SORT_MB", "0")]), "spilled sorting changed the output");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "spilled runs left behind");
    // to a file, lines are written while later shards still run (standard output waits for the end): same bytes,
    // also through a run spilled after every shard
    let target = tmp.join("verdicts.jsonl");
    for sort_mb in ["64", "0"] {
        let out = Command::new(env!("CARGO_BIN_EXE_zhunru"))
            .args([
                "run",
                DOUYIN,
                "--facts",
                dir.to_str().unwrap(),
                "--quiet",
                "--out",
                target.to_str().unwrap(),
            ])
            .env("ZHUNRU_SHARD_SHOPS", "20")
            .env("ZHUNRU_SORT_MB", sort_mb)
            .env("TMPDIR", &tmp)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            std::fs::read(&target).unwrap() == plain,
            "streamed output differs (sort budget {sort_mb} MB)"
        );
        std::fs::remove_file(&target).unwrap();
    }
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "spilled runs left behind");
    // a bad record near the end of a large file, and a non-UTF-8 byte after many good lines
    let orders = dir.join("order.jsonl");
    let mut text = std::fs::read_to_string(&orders).unwrap();
    let lines = text.lines().count();
    text.push_str("{\"order_id\": \"late\"}\n");
    std::fs::write(&orders, &text).unwrap();
    let mut bytes = std::fs::read(dir.join("product.jsonl")).unwrap();
    let products = bytes.iter().filter(|&&b| b == b'\n').count();
    bytes.extend_from_slice(b"{\"product_id\": \"\xff\"}\n");
    std::fs::write(dir.join("product.jsonl"), &bytes).unwrap();
    // chunks of ~1 KB, and of 4 MB checked and parsed in blocks of 64 KB (the bad lines are in a later block)
    assert!(orders.metadata().unwrap().len() > 4 << 16 && bytes.len() > 4 << 16);
    for chunk_kb in ["1", "4096"] {
        let out = Command::new(env!("CARGO_BIN_EXE_zhunru"))
            .args(["run", DOUYIN, "--facts", dir.to_str().unwrap()])
            .env("ZHUNRU_CHUNK_KB", chunk_kb)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        assert!(
            stderr.contains(&format!("order.jsonl:{}: field `product_id`: missing", lines + 1)),
            "{stderr}"
        );
        assert!(stderr.contains(&format!("product.jsonl:{}: not UTF-8", products + 1)), "{stderr}");
        let of_products = stderr.lines().filter(|l| l.starts_with("error: product.jsonl")).count();
        assert_eq!(of_products, 1, "one error for a file that is not UTF-8: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&tmp);
}

/// `zhunru run ... | head -1`: when the reader stops, zhunru stops quietly, exit 0, no "internal error".
#[test]
fn a_closed_output_pipe_is_not_an_error() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let facts = root().join("facts").join(JD);
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhunru"))
        .args(["run", JD, "--facts", facts.to_str().unwrap(), "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap(); // the reader is dropped here
    let out = child.wait_with_output().unwrap();
    assert_eq!(first.trim(), "[");
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("internal error"));
}
