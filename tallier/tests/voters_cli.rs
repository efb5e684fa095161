//! `tallier setup voters` run as the officials run it: a voter list with Estonian and French names becomes the
//! public credential list (which `tallier setup manifest` binds), the private list and the printable letters; a
//! bad list is refused with every problem and its line, and nothing is written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::path::{Path, PathBuf};

use protocol::credential::{Credential, CredentialKey};
use qrcodegen::{QrCode, QrCodeEcc};
use rand::rngs::OsRng;

mod common;
use common::{fails, ok, tallier};

const URL: &str = "https://vote.example.org/";

const LIST: &str = "\u{feff}voter_id,name,address,district\r\n\
                    EE-001,Õnne Lõõtsa-Šaržuk,\"Pärnu mnt 1\r\n10141 Tallinn\",Kesklinn\r\n\
                    EE-002,Élise <b>& Brontë,elise@example.fr,\r\n\
                    EE-003,Jüri Žižek-Façade,\"12 rue de l'Église, 75004 Paris\",Põhja\r\n";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A template (as `tallier setup manifest --out` writes it) and the list in `root`.
fn inputs(root: &Path, list: &[u8]) -> (PathBuf, PathBuf) {
    let template = root.join("template.json");
    if !template.exists() {
        ok(tallier(&["setup", "manifest", "--out", s(&template)]));
    }
    let csv = root.join("list.csv");
    std::fs::write(&csv, list).unwrap();
    (template, csv)
}

fn voters(template: &Path, csv: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    voters_at(URL, template, csv, out, extra)
}

fn voters_at(url: &str, template: &Path, csv: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["setup", "voters", "--list", s(csv), "--manifest", s(template), "--url", url];
    args.extend(["--out", s(out)]);
    args.extend(extra);
    tallier(&args)
}

/// The dark modules of the QR code in `svg` (as `tallier` draws it: runs `Mx,yhNv1h-Nz`, a 4-module border).
fn svg_modules(svg: &str) -> std::collections::BTreeSet<(i32, i32)> {
    let d = svg.split("<path d=\"").nth(1).unwrap().split('"').next().unwrap();
    let mut dark = std::collections::BTreeSet::new();
    for run in d.split('M').filter(|r| !r.is_empty()) {
        let (xy, rest) = run.split_once('h').unwrap();
        let (x, y) = xy.split_once(',').unwrap();
        let (x, y): (i32, i32) = (x.parse().unwrap(), y.parse().unwrap());
        let n: i32 = rest.split('v').next().unwrap().parse().unwrap();
        for i in 0..n {
            assert!(dark.insert((x + i - 4, y - 4)), "a module drawn twice");
        }
    }
    dark
}

fn qr_modules(text: &str) -> std::collections::BTreeSet<(i32, i32)> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).unwrap();
    (0..qr.size()).flat_map(|y| (0..qr.size()).map(move |x| (x, y))).filter(|&(x, y)| qr.get_module(x, y)).collect()
}

fn grouped(text: &str) -> String {
    let groups: Vec<&str> = text.split('-').collect();
    groups.chunks(4).map(|line| line.join(" ")).collect::<Vec<_>>().join("<br>")
}

#[test]
fn three_voters_get_letters_and_their_registry_binds_into_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (template, csv) = inputs(root, LIST.as_bytes());
    let out = root.join("voters");
    let printed = ok(voters(&template, &csv, &out, &["--voters-json"]));
    assert!(printed.contains("3 voters, letters in en, et, fr"), "{printed}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for private in ["voters.csv", "letters.html", "voters.json"] {
            let mode = std::fs::metadata(out.join(private)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{private} is readable by its owner only");
        }
    }

    // The registry: the public keys of the secrets (voters.json, in `tallier setup credentials`' format), in list
    // order; voters.csv holds each one's text form, and the voter's row.
    let public: Vec<String> = serde_json::from_slice(&std::fs::read(out.join("credentials.json")).unwrap()).unwrap();
    let secrets: Vec<String> = serde_json::from_slice(&std::fs::read(out.join("voters.json")).unwrap()).unwrap();
    let mut reader = csv::Reader::from_path(out.join("voters.csv")).unwrap();
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["voter_id", "name", "address", "district", "credential"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!((rows.len(), public.len()), (3, 3));
    let expected = [
        ["EE-001", "Õnne Lõõtsa-Šaržuk", "Pärnu mnt 1\n10141 Tallinn", "Kesklinn"],
        ["EE-002", "Élise <b>& Brontë", "elise@example.fr", ""],
        ["EE-003", "Jüri Žižek-Façade", "12 rue de l'Église, 75004 Paris", "Põhja"],
    ];
    let mut codes = Vec::new();
    assert_eq!(secrets.len(), 3);
    for (((row, key), secret), want) in rows.iter().zip(&public).zip(&secrets).zip(&expected) {
        assert_eq!(&row.iter().take(4).collect::<Vec<_>>(), want);
        let credential = Credential::from_text(secret).unwrap();
        assert_eq!(&credential.public_key().to_hex(), key);
        let code = row.get(4).unwrap().to_string();
        assert_eq!(code, *tallier::voters::credential_text(&credential));
        codes.push(code);
    }
    // voters.json holds the same text form, what the voting page and voter-sim read.
    assert_eq!(codes, secrets);

    // The letters: every name escaped, every code as grouped text and as the QR code of URL#c=CODE.
    let html = std::fs::read_to_string(out.join("letters.html")).unwrap();
    assert!(html.contains("Élise &lt;b&gt;&amp; Brontë") && !html.contains("<b>&"), "names are escaped");
    assert!(html.contains("Õnne Lõõtsa-Šaržuk<br>Pärnu mnt 1<br>10141 Tallinn"));
    assert!(html.contains("Jüri Žižek-Façade<br>12 rue de l&#39;Église, 75004 Paris"));
    assert!(html.contains("District / Ringkond / Circonscription: Kesklinn"));
    assert!(html.contains("Voter ID / Valija tunnus / Numéro d&#39;électeur: EE-003 &middot; District"));
    let letters: Vec<&str> = html.split("<article class=\"letter\"").skip(1).collect();
    assert_eq!(letters.len(), 3);
    assert_eq!(html.matches("<svg").count(), 3);
    for (i, (letter, code)) in letters.iter().zip(&codes).enumerate() {
        let name = expected[i][1].replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        assert!(letter.contains(&format!("<div class=\"recipient\">{name}<br>")), "letter {i}");
        assert!(letter.contains(&format!("<p class=\"code\">{}</p>", grouped(code))), "letter {i}");
        let svg = letter.split("<svg").nth(1).unwrap();
        assert_eq!(svg_modules(svg), qr_modules(&format!("{URL}#c={code}")), "letter {i}'s QR code");
        // The election, its voting period and the rules, in each language.
        for text in [
            "Example election 2027",
            "Näidisvalimised 2027",
            "Élection exemple 2027",
            "from 21 September 2026 at 14:13 to 28 September 2026 at 14:13 (UTC)",
            "algab 21.09.2026 kell 14.13 ja lõpeb 28.09.2026 kell 14.13 (UTC)",
            "du 21 septembre 2026 à 14 h 13 au 28 septembre 2026 à 14 h 13 (UTC)",
            "Your voting code is secret.",
            "Teie hääletamiskood on salajane.",
            "Votre code de vote est secret.",
            "Only your last vote counts.",
            "Arvesse läheb ainult viimane hääl.",
            "Seul votre dernier vote compte.",
            "If you vote on paper, your online vote is cancelled.",
            "Kui hääletate paberil, tühistatakse teie e-hääl.",
            "Si vous votez sur papier, votre vote en ligne est annulé.",
            "<strong>https://vote.example.org/</strong>",
        ] {
            assert!(letter.contains(text), "letter {i} lacks {text:?}");
        }
    }
    // Printable, self-contained: A4 pages, one letter a page, no script and nothing loaded from elsewhere.
    for needed in ["@page { size: A4", "page-break-after: always", "default-src 'none'", "<meta charset=\"utf-8\">"] {
        assert!(html.contains(needed), "{needed}");
    }
    for banned in ["<script", " src=", "<link", "url(", "@import", "href="] {
        assert!(!html.contains(banned), "{banned}");
    }

    // A second run never overwrites the files.
    let before = std::fs::read(out.join("voters.csv")).unwrap();
    let err = fails(voters(&template, &csv, &out, &[]));
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(std::fs::read(out.join("voters.csv")).unwrap(), before);

    // The public list is what `tallier setup manifest --credentials` binds (with the keys the other commands make).
    use protocol::roles::{public_key_file, Role};
    let collector = protocol::generate_signing_key(&mut OsRng);
    let collector_pub = root.join("collector.pub");
    std::fs::write(&collector_pub, public_key_file(Role::Collector, &collector.verifying_key())).unwrap();
    let officials = root.join("officials");
    ok(tallier(&["setup", "officials-key", "--out", s(&officials)]));
    let mix = root.join("mix-1");
    ok(tallier(&["setup", "mix-key", "--stage", "1", "--out", s(&mix)]));
    let manifest = root.join("manifest.json");
    let credentials = out.join("credentials.json");
    let printed = ok(tallier(&[
        "setup",
        "manifest",
        "--base",
        s(&template),
        "--out",
        s(&manifest),
        "--collector-key",
        s(&collector_pub),
        "--officials-key",
        s(&officials.join("officials.pub")),
        "--mix-key",
        s(&mix.join("mix-1.pub")),
        "--credentials",
        s(&credentials),
    ]));
    assert!(printed.contains("3 credentials"), "{printed}");
    let m = tallier::setup::read_manifest(&manifest).unwrap();
    let keys: Vec<CredentialKey> = tallier::officials::read_credential_list(&credentials).unwrap();
    assert_eq!(m.roles.registry, protocol::roles::Registry::of(&keys));
    // The template that made the letters is the manifest's: a full manifest is refused (its registry is old).
    let err = fails(voters(&manifest, &csv, &root.join("again"), &[]));
    assert!(err.contains("already binds a credential registry"), "{err}");
    assert!(!root.join("again").exists());
}

#[test]
fn every_problem_of_a_bad_list_is_named_with_its_line_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let mut list = b"voter_id,name,address,district\n".to_vec();
    list.extend_from_slice("A1,Mari Maasikas,Tartu,\n".as_bytes()); // 2: fine
    list.extend_from_slice("A1,Jaan Tamm,Tallinn,\n".as_bytes()); // 3: duplicate voter id
    list.extend_from_slice(",Kädri Kask,Narva,\n".as_bytes()); // 4: empty voter id
    list.extend_from_slice("A5,,Narva,\n".as_bytes()); // 5: empty name
    list.extend_from_slice("A6,Tamm, Mari,Narva,\n".as_bytes()); // 6: a field too many
    list.extend_from_slice(b"A7,J\xfcri,Narva,\n"); // 7: Latin-1, not UTF-8
    list.extend_from_slice(format!("A8,{},Narva,\n", "õ".repeat(201)).as_bytes()); // 8: over-long name
    list.extend_from_slice("A9,Zoé\n".as_bytes()); // 9: fields missing
    let (template, csv) = inputs(root, &list);
    let out = root.join("out");
    let err = fails(voters(&template, &csv, &out, &[]));
    assert!(err.contains("the voter list has 7 problems"), "{err}");
    for (line, what) in [
        (3, "the voter id `A1` is already on line 2"),
        (4, "the voter id is empty"),
        (5, "the name is empty"),
        (6, "5 fields, but the header has 4: a comma inside a name or an address needs quotes"),
        (7, "the row is not UTF-8 text: save the list as \"CSV UTF-8\""),
        (8, "the name is 201 characters long; at most 200"),
        (9, "2 fields, but the header has 4: give every column"),
    ] {
        assert!(err.contains(&format!("line {line}: {what}")), "line {line}: {err}");
    }
    assert!(!out.exists(), "nothing is written");

    for (list, what) in [
        (&b"voter_id,address,district\nA1,Tartu,\n"[..], "line 1: the column `name` is missing"),
        (b"voter_id,name,address,district\n", "line 1: the list has no voters"),
        (b"", "line 1: the file is empty"),
        (b"\xff\xfev\x00", "UTF-16"),
    ] {
        std::fs::write(&csv, list).unwrap();
        let err = fails(voters(&template, &csv, &out, &[]));
        assert!(err.contains(what), "{what}: {err}");
        assert!(!out.exists(), "nothing is written");
    }
}

#[test]
fn options_choose_the_languages_and_the_time_zone() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (template, csv) = inputs(root, LIST.as_bytes());
    let out = root.join("out");
    let extra = ["--languages", "et,fr", "--utc-offset", "+03:00"];
    let printed = ok(voters(&template, &csv, &out, &extra));
    assert!(printed.contains("letters in et, fr"), "{printed}");
    let html = std::fs::read_to_string(out.join("letters.html")).unwrap();
    assert!(html.contains("<html lang=\"et\">") && !html.contains("<section lang=\"en\">"));
    let (et, fr) = (html.find("<section lang=\"et\">").unwrap(), html.find("<section lang=\"fr\">").unwrap());
    assert!(et < fr, "Estonian first");
    assert!(html.contains("algab 21.09.2026 kell 17.13 ja lõpeb 28.09.2026 kell 17.13 (UTC+03:00)"));
    assert!(html.contains("Hääletamiskood / Code de vote"));
    assert!(!out.join("voters.json").exists(), "voters.json only when asked for");

    for (url, extra, what) in [
        (URL, &["--languages", "de"][..], "no letter text in `de`"),
        (URL, &["--utc-offset", "3"], "not a UTC offset"),
        ("http://vote.example.org/", &[], "must start with https://"),
    ] {
        let out = root.join("refused");
        let err = fails(voters_at(url, &template, &csv, &out, extra));
        assert!(err.contains(what), "{what}: {err}");
        assert!(!out.exists());
    }
}

#[test]
fn help_describes_every_option_with_an_example() {
    let help = ok(tallier(&["setup", "voters", "--help"]));
    for option in ["--list", "--manifest", "--url", "--out", "--languages", "--utc-offset", "--voters-json"] {
        let at = help.find(&format!("      {option}")).unwrap_or_else(|| panic!("{option}: {help}"));
        let text = &help[at..];
        let end = text[option.len() + 6..].find("\n      --").map_or(text.len(), |e| e + option.len() + 6);
        assert!(text[..end].contains("Example: "), "{option} has no example: {}", &text[..end]);
    }
    assert!(help.contains("tallier setup voters --list voters.csv"), "{help}");
}

/// With a template that has districts (`setup example --districts`), every voter's district must be one of them,
/// by id or by name in any language; `credentials.json` gives each key its district (the manifest's registry
/// binds them), the private list has the id, and the letter names the district in each language.
#[test]
fn in_an_election_with_districts_each_voter_gets_the_district_of_the_list() {
    use protocol::ballot_box::{CredentialEntry, Electorate};
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let template = root.join("template.json");
    ok(tallier(&["setup", "example", "--districts", "--out", s(&template)]));
    // An empty district and an unknown one: both named with their lines; nothing written.
    let list = "voter_id,name,address,district\n1,Mari,Tartu,north\n2,Jüri,Tartu,\n3,Liis,Tartu,East\n";
    let (_, csv) = inputs(root, list.as_bytes());
    let out = root.join("voters");
    let err = fails(voters(&template, &csv, &out, &[]));
    assert!(err.contains("line 3: the district is empty: in this election every voter is in one district"), "{err}");
    assert!(
        err.contains(
            "line 4: the district `East` is not one of the manifest's districts: give one of north, centre, south"
        ),
        "{err}"
    );
    assert!(!out.exists());
    // By id, by Estonian name in another case, by French name.
    let list = "voter_id,name,address,district\n1,Mari,Tartu,north\n2,Jüri,Tartu,PÕHJA\n3,Élise,Paris,Sud\n";
    let (_, csv) = inputs(root, list.as_bytes());
    ok(voters(&template, &csv, &out, &["--languages", "et,en"]));
    let entries: Vec<CredentialEntry> =
        serde_json::from_slice(&std::fs::read(out.join("credentials.json")).unwrap()).unwrap();
    let districts: Vec<String> = entries
        .iter()
        .map(|e| match e {
            CredentialEntry::InDistrict { district, .. } => district.clone(),
            CredentialEntry::Key(_) => panic!("an entry without district"),
        })
        .collect();
    assert_eq!(districts, ["north", "north", "south"]);
    let private = std::fs::read_to_string(out.join("voters.csv")).unwrap();
    assert!(private.contains("\n2,Jüri,Tartu,north,"), "{private}");
    let letters = std::fs::read_to_string(out.join("letters.html")).unwrap();
    assert!(letters.contains("Ringkond / District: Lõuna / South"), "the district's name in each language");
    assert!(letters.contains("Te hääletate ringkonnas Põhja: teie hääletussedelil on selle ringkonna valimised."));
    assert!(letters.contains("You vote in the South district: your ballot holds the contests of this district."));
    // The registry of these credentials, with their districts, is what the manifest binds.
    let template_manifest = {
        let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&template).unwrap()).unwrap();
        v["roles"] = serde_json::to_value(protocol::roles::example_roles(1)).unwrap();
        serde_json::from_value::<protocol::Manifest>(v).unwrap()
    };
    let electorate = Electorate::from_list(&template_manifest, &entries).unwrap();
    assert_eq!(electorate.districts().iter().filter(|&&d| d == 0).count(), 2);
}
