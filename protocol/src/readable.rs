//! The result as people read it (SPEC.md §12.6): the text that `tallier tally finish` and `verifier result` print,
//! the CSV export (`result.csv`, `verifier result --csv`) and the lines of V13's note. One writer each, for the
//! tally and the verifier alike, reading the names that `result.json` carries (§12.5, version 2).
//! The words around the figures are in English, Estonian or French (one table each, `Words`), the names in the
//! language asked for.
//!
//! Contests are numbered from 1 (the record's file names, `contest-0/…`, stay 0-based, §14.1); percentages are of
//! the contest's valid answers ([`percent`]); STV values have three decimals, truncated, and each round shows what
//! rounding lost so that its figures add up to the valid answers ([`crate::count::Round::figures`]).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::count::METHOD_STV;
use crate::count::{fixed, localized, percent, quota, Action, Candidate, ContestResult, UNIT};
use crate::count::{METHOD_APPROVAL, METHOD_BORDA, METHOD_DHONDT, METHOD_INSTANT_RUNOFF, METHOD_LARGEST_REMAINDER};
use crate::count::{METHOD_MAJORITY_JUDGMENT, METHOD_PLURALITY, METHOD_SAINTE_LAGUE, METHOD_SCHULZE, METHOD_SCORE};
use crate::encoding::Selection;
use crate::tally::{AnswersFile, DecodedAnswer, ResultFile, Turnout};

/// The columns of the CSV export, in order (SPEC.md §12.6).
pub const CSV_HEADER: &str = "contest,contest_id,option_id,name,votes,percent,elected";
/// The columns the CSV export adds after [`CSV_HEADER`] when a contest of the result counts by party lists
/// (SPEC.md §12.6): a list's rows name the list and its seats; a candidate's rows leave them empty.
pub const CSV_LIST_COLUMNS: &str = "list,seats";

/// The words of the result in words (SPEC.md §12.6), in one language: English, Estonian or French ([`words`]).
/// Names come from `result.json` in the language asked for; these are the labels around them.
struct Words {
    /// What follows a label: `:`, in French ` :`.
    colon: &'static str,
    /// Between the parts of a sentence: `;`, in French ` ;`.
    semicolon: &'static str,
    turnout: &'static str,
    /// Each turnout row: what, and why, in the order of [`turnout_text`].
    turnout_rows: [(&'static str, &'static str); 6],
    /// `counted` as a share of the registered voters: before and after the percentage.
    share: (&'static str, &'static str),
    contest: &'static str,
    seat: (&'static str, &'static str),
    /// `ballots: 3 valid, 1 invalid`: the label, then the words after each figure.
    ballots: (&'static str, &'static str, &'static str),
    invalid: &'static str,
    first_preferences: &'static str,
    best_grades: &'static str,
    approvals: &'static str,
    votes: &'static str,
    /// `, with the percentage of the N valid ballots:`: before and after N.
    of_valid: (&'static str, &'static str),
    elected: &'static str,
    nobody: &'static str,
    /// `quota: Q votes (Droop: V valid ballots / (S seats + 1), rounded down, + 1)`, in pieces.
    quota: [&'static str; 4],
    /// `rounds, …; each adds up to the N valid ballots:`: before and after N.
    rounds: (&'static str, &'static str),
    round: &'static str,
    reached_quota: (&'static str, &'static str),
    excluded: &'static str,
    /// Those elected as the candidates left fill the seats: one, several.
    elected_remaining: (&'static str, &'static str),
    exhausted: &'static str,
    rounding: &'static str,
    total: &'static str,
    tie: &'static str,
    /// Ties (§12.4): `and`, `tied at`, vote/votes, each decision, `decided by round`, `decided by manifest order`,
    /// `elected`, `excluded`.
    and: &'static str,
    tied_at: &'static str,
    vote: (&'static str, &'static str),
    tie_for: [&'static str; 4],
    by_round: &'static str,
    by_manifest: &'static str,
    was_elected: &'static str,
    was_excluded: &'static str,
    lists: (&'static str, &'static str),
    below_threshold: &'static str,
    list_tie: (&'static str, &'static str),
    list_tie_votes: &'static str,
    list_tie_order: &'static str,
    pairwise: &'static str,
    paths: &'static str,
    grades: (&'static str, &'static str),
    majority_grade: &'static str,
    scores: &'static str,
    borda: &'static str,
    ranking: &'static str,
    /// Before a contest's per-district figures (a contest that spans districts, `rv/result/v4`).
    by_district: &'static str,
    /// The `method` strings of §12.5 in this language, as ([`crate::count::METHODS`] entry, words).
    methods: [(&'static str, &'static str); 11],
}

/// Words in English (and for any language the report has no words in).
const EN: Words = Words {
    colon: ":",
    semicolon: ";",
    turnout: "Turnout:",
    turnout_rows: [
        ("registered voters", "credentials in the registry"),
        ("ballots cast", "every ballot in the ballot box, re-votes included"),
        ("refused", "not a valid ballot of a registered voter"),
        ("replaced by a re-vote", "superseded: the same voter voted again later"),
        ("cancelled", "revoked: the voter voted on paper, or was removed or moved afterwards"),
        ("counted", "one per voter"),
    ],
    share: (" (", " % of the registered voters)"),
    contest: "Contest",
    seat: ("seat", "seats"),
    ballots: ("ballots", "valid", "invalid"),
    invalid: "invalid",
    first_preferences: "first preferences",
    best_grades: "best grades given",
    approvals: "approvals (a ballot may approve several)",
    votes: "votes",
    of_valid: (", with the percentage of the ", " valid ballots:"),
    elected: "elected",
    nobody: "nobody",
    quota: ["quota", "votes (Droop:", "valid ballots / (", "+ 1), rounded down, + 1)"],
    rounds: ("rounds, in votes with 3 decimals, truncated; each adds up to the ", " valid ballots:"),
    round: "round",
    reached_quota: ("elected (reached the quota; surplus ", " transferred)"),
    excluded: "excluded (fewest votes)",
    elected_remaining: ("elected (as many candidates left as seats)", "elected (as many candidates left as seats)"),
    exhausted: "exhausted (no preference left)",
    rounding: "lost to rounding",
    total: "total",
    tie: "tie",
    and: "and",
    tied_at: "tied at",
    vote: ("vote", "votes"),
    tie_for: ["for the last seat", "for election", "for exclusion", "for the order of election"],
    by_round: "decided by round",
    by_manifest: "decided by manifest order",
    was_elected: "elected",
    was_excluded: "excluded",
    lists: ("lists, with the percentage of the ", " valid ballots and the seats won:"),
    below_threshold: "below the threshold: no seat",
    list_tie: ("tie between lists for the last seat: ", " won it over "),
    list_tie_votes: "the list with more votes goes first",
    list_tie_order: "equal votes too: the list declared first goes first",
    pairwise: "ballots ranking the row's candidate above the column's (columns in the same order):",
    paths: "strength of the strongest path from the row's candidate to the column's:",
    grades: ("grades given, best first (", "), and the majority grade (lower median):"),
    majority_grade: "majority grade",
    scores: "scores (each grade's points: the worst 0, one more each grade up)",
    borda: "Borda points (first choice n-1, then one less each place; unranked 0)",
    ranking: "full ranking",
    by_district: "by district (each district's own ballots, counted alone)",
    methods: [
        (METHOD_PLURALITY, METHOD_PLURALITY),
        (METHOD_APPROVAL, METHOD_APPROVAL),
        (METHOD_INSTANT_RUNOFF, METHOD_INSTANT_RUNOFF),
        (METHOD_STV, METHOD_STV),
        (METHOD_SCHULZE, METHOD_SCHULZE),
        (METHOD_BORDA, METHOD_BORDA),
        (METHOD_DHONDT, METHOD_DHONDT),
        (METHOD_SAINTE_LAGUE, METHOD_SAINTE_LAGUE),
        (METHOD_LARGEST_REMAINDER, METHOD_LARGEST_REMAINDER),
        (METHOD_MAJORITY_JUDGMENT, METHOD_MAJORITY_JUDGMENT),
        (METHOD_SCORE, METHOD_SCORE),
    ],
};

/// Words in Estonian.
const ET: Words = Words {
    colon: ":",
    semicolon: ";",
    turnout: "Valimisaktiivsus:",
    turnout_rows: [
        ("registreeritud valijaid", "valijatunnuseid registris"),
        ("antud sedeleid", "kõik sedelid valimiskastis, korduvhääletused kaasa arvatud"),
        ("tagasi lükatud", "ei ole registreeritud valija kehtiv sedel"),
        ("asendatud uue häälega", "sama valija hääletas hiljem uuesti"),
        ("tühistatud", "valija hääletas paberil või ta eemaldati või viidi hiljem teise ringkonda"),
        ("arvesse võetud", "üks valija kohta"),
    ],
    share: (" (", " % registreeritud valijatest)"),
    contest: "Hääletus",
    seat: ("koht", "kohta"),
    ballots: ("sedelid", "kehtivat", "kehtetut"),
    invalid: "kehtetu",
    first_preferences: "esimesed eelistused",
    best_grades: "antud parimad hinded",
    approvals: "heakskiidud (sedel võib heaks kiita mitu)",
    votes: "hääled",
    of_valid: (", protsendina ", " kehtivast sedelist:"),
    elected: "valitud",
    nobody: "mitte keegi",
    quota: ["kvoot", "häält (Droop:", "kehtivat sedelit / (", "+ 1), allapoole ümardatud, + 1)"],
    rounds: ("voorud, häältes kolme kümnendkohaga, kärbitud; iga voor annab kokku ", " kehtivat sedelit:"),
    round: "voor",
    reached_quota: ("valitud (jõudis kvoodini; ülejääk ", " kanti edasi)"),
    excluded: "välja langenud (kõige vähem hääli)",
    elected_remaining: (
        "valitud (alles on sama palju kandidaate kui kohti)",
        "valitud (alles on sama palju kandidaate kui kohti)",
    ),
    exhausted: "ammendunud (eelistusi pole enam)",
    rounding: "ümardamisel kadunud",
    total: "kokku",
    tie: "viik",
    and: "ja",
    tied_at: "on viigis",
    vote: ("häälega", "häälega"),
    tie_for: ["viimase koha pärast", "valituks osutumisel", "väljalangemisel", "valituks osutumise järjekorras"],
    by_round: "otsustas voor",
    by_manifest: "otsustas järjekord valimiste kirjelduses",
    was_elected: "valitud",
    was_excluded: "välja langenud",
    lists: ("nimekirjad, protsendina ", " kehtivast sedelist, ja saadud kohad:"),
    below_threshold: "alla künnise: kohta ei saa",
    list_tie: ("nimekirjade viik viimase koha pärast: ", " sai selle, mitte "),
    list_tie_votes: "rohkem hääli saanud nimekiri on eespool",
    list_tie_order: "ka hääled on võrdsed: varem esitatud nimekiri on eespool",
    pairwise: "sedeleid, mis seavad rea kandidaadi veeru omast ettepoole (veerud samas järjekorras):",
    paths: "tugevaima tee tugevus rea kandidaadilt veeru kandidaadini:",
    grades: ("antud hinded, parim enne (", "), ja enamuse hinne (alumine mediaan):"),
    majority_grade: "enamuse hinne",
    scores: "punktid (halvim hinne 0, iga parem hinne ühe võrra rohkem)",
    borda: "Borda punktid (esimene eelistus n-1, iga järgmine ühe võrra vähem; järjestamata 0)",
    ranking: "täielik pingerida",
    by_district: "ringkonniti (iga ringkonna oma sedelid eraldi loetuna)",
    methods: [
        (METHOD_PLURALITY, "lihthäälteenamus"),
        (METHOD_APPROVAL, "heakskiiduhääletus"),
        (METHOD_INSTANT_RUNOFF, "eelistushääletus (STV, üks koht)"),
        (METHOD_STV, "ülekantav hääl (STV, Droopi kvoot, WIGM)"),
        (METHOD_SCHULZE, "Schulze meetod (võitvad hääled)"),
        (METHOD_BORDA, "Borda meetod (n-1 kuni 0 punkti, järjestamata 0)"),
        (METHOD_DHONDT, "d'Hondti meetod (nimekirjad)"),
        (METHOD_SAINTE_LAGUE, "Sainte-Laguë meetod (nimekirjad)"),
        (METHOD_LARGEST_REMAINDER, "suurima jäägi meetod, Hare'i kvoot (nimekirjad)"),
        (METHOD_MAJORITY_JUDGMENT, "enamuse hinnang (alumine mediaan)"),
        (METHOD_SCORE, "punktihääletus"),
    ],
};

/// Words in French.
const FR: Words = Words {
    colon: " :",
    semicolon: " ;",
    turnout: "Participation :",
    turnout_rows: [
        ("électeurs inscrits", "identifiants dans le registre"),
        ("bulletins déposés", "tous les bulletins de l'urne, votes répétés compris"),
        ("refusés", "pas un bulletin valide d'un électeur inscrit"),
        ("remplacés par un nouveau vote", "le même électeur a revoté plus tard"),
        ("annulés", "l'électeur a voté sur papier, ou a été retiré ou déplacé ensuite"),
        ("comptés", "un par électeur"),
    ],
    share: (" (", " % des électeurs inscrits)"),
    contest: "Scrutin",
    seat: ("siège", "sièges"),
    ballots: ("bulletins", "valides", "invalides"),
    invalid: "invalide",
    first_preferences: "premières préférences",
    best_grades: "meilleures mentions données",
    approvals: "approbations (un bulletin peut en approuver plusieurs)",
    votes: "voix",
    of_valid: (", en pourcentage des ", " bulletins valides :"),
    elected: "élus",
    nobody: "personne",
    quota: ["quota", "voix (Droop :", "bulletins valides / (", "+ 1), arrondi à l'inférieur, + 1)"],
    rounds: ("tours, en voix à trois décimales, tronquées ; chacun totalise les ", " bulletins valides :"),
    round: "tour",
    reached_quota: ("élu (a atteint le quota ; excédent de ", " transféré)"),
    excluded: "éliminé (le moins de voix)",
    elected_remaining: (
        "élu (autant de candidats restants que de sièges)",
        "élus (autant de candidats restants que de sièges)",
    ),
    exhausted: "épuisés (plus aucune préférence)",
    rounding: "perdu à l'arrondi",
    total: "total",
    tie: "égalité",
    and: "et",
    tied_at: "à égalité à",
    vote: ("voix", "voix"),
    tie_for: ["pour le dernier siège", "pour l'élection", "pour l'élimination", "pour l'ordre d'élection"],
    by_round: "départagés par le tour",
    by_manifest: "départagés par l'ordre de la description de l'élection",
    was_elected: "élu",
    was_excluded: "éliminé",
    lists: ("listes, en pourcentage des ", " bulletins valides, et sièges obtenus :"),
    below_threshold: "sous le seuil : aucun siège",
    list_tie: ("égalité entre listes pour le dernier siège : ", " l'emporte sur "),
    list_tie_votes: "la liste qui a le plus de voix passe en premier",
    list_tie_order: "voix égales aussi : la liste déclarée en premier passe en premier",
    pairwise: "bulletins classant le candidat de la ligne avant celui de la colonne (colonnes dans le même ordre) :",
    paths: "force du chemin le plus fort du candidat de la ligne à celui de la colonne :",
    grades: ("mentions données, la meilleure d'abord (", "), et la mention majoritaire (médiane inférieure) :"),
    majority_grade: "mention majoritaire",
    scores: "scores (points par mention : la pire 0, un de plus par mention au-dessus)",
    borda: "points de Borda (premier choix n-1, puis un de moins par place ; non classés 0)",
    ranking: "classement complet",
    by_district: "par circonscription (les bulletins de chacune, comptés à part)",
    methods: [
        (METHOD_PLURALITY, "scrutin majoritaire à un tour"),
        (METHOD_APPROVAL, "vote par approbation"),
        (METHOD_INSTANT_RUNOFF, "vote alternatif (STV, un siège)"),
        (METHOD_STV, "vote unique transférable (quota de Droop, WIGM)"),
        (METHOD_SCHULZE, "méthode de Schulze (votes gagnants)"),
        (METHOD_BORDA, "méthode de Borda (n-1 à 0 points, non classés 0)"),
        (METHOD_DHONDT, "méthode d'Hondt (listes)"),
        (METHOD_SAINTE_LAGUE, "méthode de Sainte-Laguë (listes)"),
        (METHOD_LARGEST_REMAINDER, "plus forts restes, quota de Hare (listes)"),
        (METHOD_MAJORITY_JUDGMENT, "jugement majoritaire (médiane inférieure)"),
        (METHOD_SCORE, "vote par note"),
    ],
};

/// A tie (§12.4) in words in `lang` (en, et, fr; else English), each candidate named by `name`.
// A tie's words live here, with the report's other words, so that counting does not depend on the report.
impl crate::count::Tie {
    /// The tie in words, each candidate named by `name`; [`std::fmt::Display`] names them by index (`option 3`)
    /// and text (`write-in "Zed"`).
    pub fn describe(&self, name: impl Fn(&Selection) -> String) -> String {
        tie_text(self, &name, "en")
    }
}

impl std::fmt::Display for crate::count::Tie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(|s| match s {
            Selection::Option(i) => format!("option {i}"),
            Selection::WriteIn(w) => format!("write-in {w:?}"),
        }))
    }
}

pub(crate) fn tie_text(tie: &crate::count::Tie, name: &dyn Fn(&Selection) -> String, lang: &str) -> String {
    words(lang).tie(tie, name)
}

/// The report's words in `lang`: `et`, `fr`, else English.
fn words(lang: &str) -> &'static Words {
    match lang {
        "et" => &ET,
        "fr" => &FR,
        _ => &EN,
    }
}

impl Words {
    /// A `method` of §12.5 in these words; a method the report does not know (a forged result) as written.
    fn method<'a>(&self, method: &'a str) -> &'a str {
        self.methods.iter().find(|(m, _)| *m == method).map_or(method, |(_, w)| w)
    }

    /// `n` with its noun: `(one, many)`.
    fn count(&self, n: u64, (one, many): (&str, &str)) -> String {
        format!("{n} {}", if n == 1 { one } else { many })
    }

    /// A tie (§12.4) in these words, each candidate named by `name` ([`crate::count::Tie::describe`] in English).
    fn tie(&self, tie: &crate::count::Tie, name: &dyn Fn(&Selection) -> String) -> String {
        use crate::count::{TieBreak, TieFor};
        let names: Vec<String> = tie.candidates.iter().map(name).collect();
        let list = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} {} {last}", rest.join(", "), self.and),
            _ => names.concat(),
        };
        let tally = match tie.decides {
            TieFor::LastSeat => tie.tally.to_string(),
            _ if tie.tally.is_multiple_of(UNIT) => (tie.tally / UNIT).to_string(),
            _ => fixed(tie.tally),
        };
        let vote = if tally == "1" { self.vote.0 } else { self.vote.1 };
        let (what, outcome) = match tie.decides {
            TieFor::LastSeat => (self.tie_for[0], String::new()),
            TieFor::Election => (
                self.tie_for[1],
                names.first().map(|n| format!("{} {n} {}", self.colon, self.was_elected)).unwrap_or_default(),
            ),
            TieFor::Exclusion => (
                self.tie_for[2],
                names.last().map(|n| format!("{} {n} {}", self.colon, self.was_excluded)).unwrap_or_default(),
            ),
            TieFor::ElectionOrder => (self.tie_for[3], String::new()),
        };
        let how = match tie.decided_by {
            TieBreak::EarlierRound(r) => format!("{} {r}", self.by_round),
            TieBreak::ManifestOrder => self.by_manifest.to_string(),
        };
        let round = tie.round.map(|r| format!("{} {r}{} ", self.round, self.colon)).unwrap_or_default();
        format!("{round}{list} {} {tally} {vote} {what}{} {how}{outcome}", self.tied_at, self.semicolon)
    }
}

/// A contest's candidates with names: `candidates` (version 2), or, for a version 1 result, `tallies` with the
/// percentages and elected flags worked out and no names.
pub fn candidates(r: &ContestResult) -> Vec<Candidate> {
    if let Some(named) = &r.candidates {
        return named.clone();
    }
    r.tallies
        .iter()
        .map(|(s, votes)| Candidate {
            selection: s.clone(),
            id: None,
            title: BTreeMap::new(),
            votes: *votes,
            percent: percent(*votes, r.valid),
            elected: r.elected.contains(s),
        })
        .collect()
}

/// A candidate's name in running text: the option's title in `lang`, or `"text" (write-in)`; without a name (a
/// version 1 result), `option #i` (its index in the manifest, as in the file).
fn display(c: &Candidate, lang: &str) -> String {
    match &c.selection {
        Selection::WriteIn(text) => format!("{text:?} (write-in)"),
        Selection::Option(i) => match c.name(lang) {
            "" => format!("option #{i}"),
            name => name.to_string(),
        },
    }
}

/// Names a selection of contest `r` (in rounds, ties and `elected`).
fn namer<'a>(r: &'a ContestResult, lang: &'a str) -> impl Fn(&Selection) -> String + 'a {
    let named = candidates(r);
    move |s: &Selection| match named.iter().find(|c| c.selection == *s) {
        Some(c) => display(c, lang),
        None => match s {
            Selection::Option(i) => format!("option #{i}"),
            Selection::WriteIn(text) => format!("{text:?} (write-in)"),
        },
    }
}

/// The contest's title in `lang` (else its id).
fn title<'a>(r: &'a ContestResult, lang: &str) -> &'a str {
    match r.title.as_ref().map(|t| localized(t, lang)) {
        Some(t) if !t.is_empty() => t,
        _ => &r.contest,
    }
}

/// The turnout in words, one figure a line, in English.
pub fn turnout_text(t: &Turnout) -> String {
    turnout_in(t, &EN)
}

/// The turnout in `w`'s words.
fn turnout_in(t: &Turnout, w: &Words) -> String {
    let mut out = String::new();
    let share = percent(t.counted, t.registered).map(|p| format!("{}{p}{}", w.share.0, w.share.1)).unwrap_or_default();
    let figures = [t.registered, t.cast, t.refused, t.superseded, t.revoked, t.counted];
    let width = w.turnout_rows.iter().map(|(what, _)| what.chars().count()).max().unwrap_or(0).max(22);
    let _ = writeln!(out, "{}", w.turnout);
    for (i, ((what, why), n)) in w.turnout_rows.iter().zip(figures).enumerate() {
        let share = if i + 1 == figures.len() { share.as_str() } else { "" };
        let _ = writeln!(out, "  {what:<width$} {n:>9}  {why}{share}");
    }
    out
}

/// One contest in words: its number (from 1), title, method, ballots, votes with percentages, who was elected,
/// each STV round (figures that add up) and each tie. `answers` (the contest's `answers.json`) gives the reasons
/// of invalid answers. Names and labels in `lang` (en, et, fr; labels in English for any other language).
pub fn contest_text(number: usize, r: &ContestResult, answers: Option<&AnswersFile>, lang: &str) -> String {
    let w = words(lang);
    let c = w.colon;
    let mut out = String::new();
    let name = namer(r, lang);
    // The manifest's seats where the result gives them (`rv/result/v4`), else the number elected.
    let seats = r.seats.map_or(r.elected.len() as u64, u64::from);
    let _ = writeln!(
        out,
        "{} {number}{c} {} ({}{} {}, {})",
        w.contest,
        title(r, lang),
        r.contest,
        w.semicolon,
        w.method(&r.method),
        w.count(seats, w.seat)
    );
    let _ = writeln!(out, "  {}{c} {} {}, {} {}", w.ballots.0, r.valid, w.ballots.1, r.invalid, w.ballots.2);
    let mut reasons = BTreeMap::<&str, u64>::new();
    for (a, n) in answers.map(|a| a.answers.tallies()).unwrap_or_default() {
        if let DecodedAnswer::Invalid { invalid } = a {
            *reasons.entry(invalid.as_str()).or_insert(0) += n;
        }
    }
    for (reason, n) in reasons {
        let _ = writeln!(out, "    {} ({reason}){c} {n}", w.invalid);
    }
    let heading = match (r.rounds.is_empty(), r.method.as_str()) {
        (false, _) | (true, crate::count::METHOD_SCHULZE | crate::count::METHOD_BORDA) => w.first_preferences,
        (true, crate::count::METHOD_MAJORITY_JUDGMENT | crate::count::METHOD_SCORE) => w.best_grades,
        (true, crate::count::METHOD_APPROVAL) => w.approvals,
        _ => w.votes,
    };
    let _ = writeln!(out, "  {heading}{}{}{}", w.of_valid.0, r.valid, w.of_valid.1);
    let named = candidates(r);
    let shown: Vec<String> = named.iter().map(|k| display(k, lang)).collect();
    let width = shown.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (k, n) in named.iter().zip(&shown) {
        let p = k.percent.as_deref().map_or_else(|| "—".to_string(), |p| format!("{p} %"));
        let _ = writeln!(out, "    {n:<width$}  {:>8}  {p:>7}", k.votes);
    }
    let elected: Vec<String> = r.elected.iter().enumerate().map(|(i, s)| format!("{}. {}", i + 1, name(s))).collect();
    let elected = if elected.is_empty() { w.nobody.to_string() } else { elected.join(", ") };
    let _ = writeln!(out, "  {}{c} {elected}", w.elected);
    if !r.rounds.is_empty() {
        let [label, votes, ballots, end] = w.quota;
        let _ = writeln!(
            out,
            "  {label}{c} {} {votes} {} {ballots}{} {end}",
            quota(r.valid, seats) / UNIT,
            r.valid,
            w.count(seats, w.seat)
        );
        let _ = writeln!(out, "  {}{}{}", w.rounds.0, r.valid, w.rounds.1);
    }
    for (i, round) in r.rounds.iter().enumerate() {
        let action = match &round.action {
            Action::Elected { candidate, surplus } => {
                format!("{} {}{}{}", name(candidate), w.reached_quota.0, fixed(*surplus), w.reached_quota.1)
            }
            Action::Excluded { candidate } => format!("{} {}", name(candidate), w.excluded),
            Action::ElectedRemaining { candidates } => {
                let names: Vec<String> = candidates.iter().map(&name).collect();
                let (one, many) = w.elected_remaining;
                format!("{} {}", names.join(", "), if names.len() == 1 { one } else { many })
            }
        };
        let _ = writeln!(out, "  {} {}{c} {action}", w.round, i + 1);
        let f = round.figures(r.valid);
        let mut rows: Vec<(String, String)> = f.tallies.into_iter().map(|(s, v)| (name(&s), v)).collect();
        rows.push((w.exhausted.into(), f.exhausted));
        rows.push((w.rounding.into(), f.rounding));
        rows.push((w.total.into(), f.total));
        let nw = rows.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(0);
        let vw = rows.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        for (n, v) in rows {
            let _ = writeln!(out, "      {n:<nw$}  {v:>vw$}");
        }
    }
    rule_figures(&mut out, r, lang, &name, &shown);
    district_figures(&mut out, r, lang, &name);
    for tie in &r.ties {
        let _ = writeln!(out, "  {}{c} {}", w.tie, w.tie(tie, &name));
    }
    out
}

/// The figures of a rule that has its own (SPEC.md §12.7–§12.9, `rv/result/v3`): the lists' votes and seats, the
/// Schulze matrices, the Borda points, the full ranking. `shown` names the candidates in the order of `tallies`.
fn rule_figures(
    out: &mut String,
    r: &ContestResult,
    lang: &str,
    name: &dyn Fn(&Selection) -> String,
    shown: &[String],
) {
    let w = words(lang);
    let c = w.colon;
    if let Some(lists) = &r.lists {
        let _ = writeln!(out, "  {}{}{}", w.lists.0, r.valid, w.lists.1);
        let width = lists.iter().map(|l| localized(&l.title, lang).chars().count()).max();
        for l in lists {
            let p = l.percent.as_deref().map_or_else(|| "—".to_string(), |p| format!("{p} %"));
            let t = localized(&l.title, lang);
            let under = if l.qualified { String::new() } else { format!("  {}", w.below_threshold) };
            let tw = width.unwrap_or(0);
            let _ = writeln!(out, "    {t:<tw$}  {:>8}  {p:>7}  {}{under}", l.votes, w.count(l.seats, w.seat));
        }
        for t in r.list_ties.iter().flatten() {
            let (won, lost) = t.lists.split_at(usize::try_from(t.won).unwrap_or(0).min(t.lists.len()));
            let how = match t.decided_by {
                crate::count::ListTieBreak::Votes => w.list_tie_votes,
                crate::count::ListTieBreak::ListOrder => w.list_tie_order,
            };
            let _ = writeln!(out, "  {}{}{}{} ({how})", w.list_tie.0, won.join(", "), w.list_tie.1, lost.join(", "));
        }
    }
    let matrix = |out: &mut String, what: &str, m: &[Vec<u64>]| {
        let _ = writeln!(out, "  {what}");
        for (i, row) in m.iter().enumerate() {
            let cells: Vec<String> =
                row.iter().enumerate().map(|(j, v)| if i == j { "—".to_string() } else { v.to_string() }).collect();
            let _ = writeln!(out, "    {:<20} {}", shown.get(i).map_or("", String::as_str), cells.join(" "));
        }
    };
    if let Some(d) = &r.pairwise {
        matrix(out, w.pairwise, d);
    }
    if let Some(p) = &r.strongest_paths {
        matrix(out, w.paths, p);
    }
    if let (Some(grades), Some(profiles)) = (&r.grades, &r.profiles) {
        let names: Vec<&str> = grades.iter().map(|g| localized(g, lang)).collect();
        let _ = writeln!(out, "  {}{}{}", w.grades.0, names.join(", "), w.grades.1);
        for p in profiles {
            let counts: Vec<String> = p.counts.iter().map(u64::to_string).collect();
            let median = p.median.and_then(|g| names.get(usize::try_from(g).unwrap_or(usize::MAX))).map_or("—", |n| n);
            let _ =
                writeln!(out, "    {}  {}  {}{c} {median}", name(&p.selection), counts.join(" / "), w.majority_grade);
        }
    }
    if let Some(points) = &r.points {
        let what = if r.method == crate::count::METHOD_SCORE { w.scores } else { w.borda };
        let _ = writeln!(out, "  {what}{c}");
        for (s, n) in points {
            let _ = writeln!(out, "    {}  {n}", name(s));
        }
    }
    if let Some(ranking) = &r.ranking {
        let names: Vec<String> = ranking.iter().enumerate().map(|(i, s)| format!("{}. {}", i + 1, name(s))).collect();
        let _ = writeln!(out, "  {}{c} {}", w.ranking, names.join(", "));
    }
}

/// The per-district figures of a contest that spans districts (SPEC.md §12.5 `districts`, more than one): each
/// district's valid and invalid ballots and its tallies (first preferences for ranked rules), one line each.
fn district_figures(out: &mut String, r: &ContestResult, lang: &str, name: &dyn Fn(&Selection) -> String) {
    let Some(districts) = r.districts.as_ref().filter(|d| d.len() > 1) else {
        return;
    };
    let w = words(lang);
    let c = w.colon;
    let _ = writeln!(out, "  {}{c}", w.by_district);
    for d in districts {
        let votes: Vec<String> = d.tallies.iter().map(|(s, n)| format!("{} {n}", name(s))).collect();
        let _ = writeln!(
            out,
            "    {}{c} {} {}, {} {}{} {}",
            d.district,
            d.valid,
            w.ballots.1,
            d.invalid,
            w.ballots.2,
            w.semicolon,
            votes.join(", ")
        );
    }
}

/// The answers of the contest `r` is the result of: every file of `answers` of that contest (one per contest, or
/// with districts one per unit of it, SPEC.md §4.6), their answers in order.
fn answers_of(r: &ContestResult, answers: &[AnswersFile]) -> Option<AnswersFile> {
    let mut files = answers.iter().filter(|a| a.contest == r.contest);
    let mut merged = files.next()?.clone();
    merged.district = None;
    for f in files {
        merged.answers.append(&f.answers);
    }
    Some(merged)
}

/// The whole result in words: the turnout, then each contest (numbered from 1), blank lines between. `answers`
/// are the record's answers files (one per unit: a contest, or with districts a contest's district).
pub fn text(result: &ResultFile, answers: &[AnswersFile], lang: &str) -> String {
    let mut parts = Vec::new();
    if let Some(t) = &result.turnout {
        parts.push(turnout_in(t, words(lang)));
    }
    for (c, r) in result.contests.iter().enumerate() {
        parts.push(contest_text(c + 1, r, answers_of(r, answers).as_ref(), lang));
    }
    if let Some(n) = national(result, lang) {
        parts.push(n);
    }
    parts.join("\n")
}

/// The national allocation (SPEC.md §12.13) of `result` in words, in `lang` (en, et, fr): [`Allocation::text`] with
/// each district named by its contest's title, each party by its list's title and each candidate (`CONTEST/OPTION`)
/// by the option's title (an id the result does not name stays as it is); or why the method refused the figures
/// (the reason in the method's words, English). `None` without a national allocation.
///
/// [`Allocation::text`]: crate::riigikogu::Allocation::text
pub fn national(result: &ResultFile, lang: &str) -> Option<String> {
    Some(match result.national.as_ref()? {
        crate::tally::NationalResult::Allocation(a) => a.text_named(lang, &|id: &str| national_name(result, id, lang)),
        crate::tally::NationalResult::Refused { refused } => {
            let label = match lang {
                "et" => "Üleriigilist mandaatide jaotust ei tehtud:",
                "fr" => "La répartition nationale des sièges a été refusée :",
                _ => "The national allocation was refused:",
            };
            format!("{label} {refused}\n")
        }
    })
}

/// The readable name of an id of the national allocation: a candidate `CONTEST/OPTION`, a district (its contest's
/// id) or a party (its lists' id).
fn national_name(result: &ResultFile, id: &str, lang: &str) -> String {
    if let Some((contest, option)) = id.split_once('/') {
        let candidate = result
            .contests
            .iter()
            .filter(|r| r.contest == contest)
            .flat_map(|r| r.candidates.iter().flatten())
            .find(|c| c.id.as_deref() == Some(option));
        if let Some(c) = candidate.map(|c| c.name(lang)).filter(|n| !n.is_empty()) {
            return c.to_string();
        }
    } else if let Some(r) = result.contests.iter().find(|r| r.contest == id) {
        return title(r, lang).to_string();
    } else if let Some(l) = result.contests.iter().flat_map(|r| r.lists.iter().flatten()).find(|l| l.id == id) {
        let t = localized(&l.title, lang);
        if !t.is_empty() {
            return t.to_string();
        }
    }
    id.to_string()
}

/// V13's note: the turnout on one line, then one line per contest with each candidate's votes and percentage and
/// who was elected (`contest 1, Mayor: Alice 3 (60.0 %), Bob 2 (40.0 %); elected: Alice`).
pub fn summary(result: &ResultFile, lang: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(t) = &result.turnout {
        lines.push(format!(
            "{} registered, {} cast, {} refused, {} superseded, {} revoked, {} counted",
            t.registered, t.cast, t.refused, t.superseded, t.revoked, t.counted
        ));
    }
    for (c, r) in result.contests.iter().enumerate() {
        let name = namer(r, lang);
        let votes: Vec<String> = candidates(r)
            .iter()
            .map(|k| match &k.percent {
                Some(p) => format!("{} {} ({p} %)", display(k, lang), k.votes),
                None => format!("{} {}", display(k, lang), k.votes),
            })
            .collect();
        let what = if r.rounds.is_empty() { "" } else { " (first preferences)" };
        let elected: Vec<String> = r.elected.iter().map(&name).collect();
        let elected = if elected.is_empty() { "nobody".to_string() } else { elected.join(", ") };
        lines.push(format!("contest {}, {}{what}: {}; elected: {elected}", c + 1, title(r, lang), votes.join(", ")));
        // A contest that spans districts: one more line with each district's own figures.
        if let Some(districts) = r.districts.as_ref().filter(|d| d.len() > 1) {
            let each: Vec<String> = districts
                .iter()
                .map(|d| {
                    let votes: Vec<String> = d.tallies.iter().map(|(s, n)| format!("{} {n}", name(s))).collect();
                    format!("{}: {}", d.district, votes.join(", "))
                })
                .collect();
            lines.push(format!("contest {} by district: {}", c + 1, each.join("; ")));
        }
    }
    lines
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; a field that a spreadsheet
/// would take for a formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage return: only a write-in's
/// text can) gets a leading `'`, so that opening the file runs nothing.
fn csv_field(text: &str) -> String {
    let guarded =
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The CSV export (SPEC.md §12.6): [`CSV_HEADER`], then one row per contest and candidate, in the order of
/// `result.json`: the contest's number (from 1) and id, the option's id (empty for a write-in), its name in
/// `lang` (a write-in's text), its votes (ranked contests: first preferences), the percentage of the valid
/// ballots (empty if none) and `yes` or `no` for elected. When a contest counts by party lists (§12.9), the header
/// goes on with [`CSV_LIST_COLUMNS`] and each such contest's candidates are followed by one row per list: no
/// option id, the list's title in `lang` as the name, its votes and percentage, no elected flag, its id and its
/// seats (candidates' rows leave these two empty). Lines end in CRLF, as RFC 4180 says.
pub fn csv(result: &ResultFile, lang: &str) -> String {
    let with_lists = result.contests.iter().any(|r| r.lists.is_some());
    let mut out = if with_lists { format!("{CSV_HEADER},{CSV_LIST_COLUMNS}\r\n") } else { format!("{CSV_HEADER}\r\n") };
    let mut row = |fields: Vec<String>| {
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    };
    for (c, r) in result.contests.iter().enumerate() {
        for k in candidates(r) {
            let name = match &k.selection {
                Selection::WriteIn(text) => text.clone(),
                Selection::Option(i) => match k.name(lang) {
                    "" => format!("option #{i}"),
                    n => n.to_string(),
                },
            };
            let mut fields = vec![
                (c + 1).to_string(),
                csv_field(&r.contest),
                csv_field(k.id.as_deref().unwrap_or("")),
                csv_field(&name),
                k.votes.to_string(),
                k.percent.clone().unwrap_or_default(),
                if k.elected { "yes" } else { "no" }.to_string(),
            ];
            if with_lists {
                fields.extend([String::new(), String::new()]);
            }
            row(fields);
        }
        for l in r.lists.iter().flatten() {
            row(vec![
                (c + 1).to_string(),
                csv_field(&r.contest),
                String::new(),
                csv_field(localized(&l.title, lang)),
                l.votes.to_string(),
                l.percent.clone().unwrap_or_default(),
                String::new(),
                csv_field(&l.id),
                l.seats.to_string(),
            ]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::count_contest;
    use crate::manifest::example_manifest;
    use crate::Answer;

    fn result() -> (ResultFile, Vec<AnswersFile>) {
        let m = example_manifest();
        let o = Selection::Option;
        let zed = Selection::WriteIn("=Zed, \"the\" one".into());
        let per_contest: [Vec<Vec<Selection>>; 3] = [
            vec![vec![o(0)], vec![o(0)], vec![o(0)], vec![o(1)], vec![o(1)]],
            vec![vec![o(0), o(1)], vec![o(1)], vec![], vec![o(1), o(3)], vec![o(3)]],
            vec![vec![o(0), o(1)], vec![o(0), o(2)], vec![o(0)], vec![o(1)], vec![zed.clone(), o(1)]],
        ];
        let answers: Vec<AnswersFile> = m
            .contests
            .iter()
            .zip(per_contest)
            .map(|(contest, rows)| AnswersFile {
                contest: contest.id.clone(),
                answers: rows.into_iter().map(|selections| DecodedAnswer::Valid(Answer { selections })).collect(),
                district: None,
            })
            .collect();
        let contests = m
            .contests
            .iter()
            .zip(&answers)
            .map(|(c, a)| count_contest(c, &a.answers.iter().map(DecodedAnswer::as_result).collect::<Vec<_>>()))
            .collect();
        let turnout = Turnout { registered: 8, cast: 7, refused: 1, superseded: 1, revoked: 0, counted: 5 };
        let file = ResultFile {
            format: crate::tally::RESULT_FORMAT.into(),
            fingerprint: crate::Fingerprint([1; 32]),
            turnout: Some(turnout),
            contests,
            national: None,
        };
        (file, answers)
    }

    #[test]
    fn csv_has_one_row_per_contest_and_candidate() {
        let (r, _) = result();
        let csv = csv(&r, "en");
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(lines[1], "1,mayor,alice,Alice Tamm,3,60.0,yes");
        assert_eq!(lines[2], "1,mayor,bob,Bob Kask,2,40.0,no");
        assert_eq!(lines[3], "1,mayor,carol,Carol Saar,0,0.0,no");
        assert!(lines.contains(&"2,budget,library,Library,3,60.0,yes"), "{csv}");
        // The write-in: no option id, its text quoted (comma, quotes) and guarded against a formula.
        assert!(lines.contains(&"3,council,,\"'=Zed, \"\"the\"\" one\",1,20.0,no"), "{csv}");
        let rows: usize = r.contests.iter().map(|c| c.tallies.len()).sum();
        assert_eq!(lines.len(), 1 + rows + 1, "header, rows, and the empty string after the last CRLF");
        assert_eq!(lines.last(), Some(&""));
        // In Estonian the options' titles are the manifest's Estonian ones (the example's names are the same).
        assert!(csv_field("a,b") == "\"a,b\"" && csv_field("-1") == "'-1" && csv_field("plain") == "plain");
    }

    #[test]
    fn text_shows_turnout_percentages_and_numbers_contests_from_one() {
        let (r, answers) = result();
        let text = text(&r, &answers, "en");
        for expected in [
            "Turnout:",
            "ballots cast",
            "counted                        5  one per voter (62.5 % of the registered voters)",
            "Contest 1: Mayor (mayor; plurality, 1 seat)",
            "Alice Tamm         3   60.0 %",
            "elected: 1. Alice Tamm",
            "Contest 3: Council (council; STV (Droop quota, WIGM), 2 seats)",
            "quota: 2 votes",
            "lost to rounding",
        ] {
            assert!(text.contains(expected), "{expected:?} in\n{text}");
        }
        assert!(!text.contains("Contest 0"), "{text}");
        let et = super::text(&r, &answers, "et");
        assert!(et.contains("Hääletus 1: Linnapea"), "{et}");
    }

    #[test]
    fn summary_names_candidates_with_votes_and_percentages() {
        let (r, _) = result();
        let lines = summary(&r, "en");
        assert_eq!(lines[0], "8 registered, 7 cast, 1 refused, 1 superseded, 0 revoked, 5 counted");
        assert_eq!(
            lines[1],
            "contest 1, Mayor: Alice Tamm 3 (60.0 %), Bob Kask 2 (40.0 %), Carol Saar 0 (0.0 %); elected: Alice Tamm"
        );
        assert!(lines[3].starts_with("contest 3, Council (first preferences): Dan 3 (60.0 %)"), "{}", lines[3]);
        // A version 1 result has no names: the options are shown by index, and there is no turnout line.
        let v1 = r.in_format(crate::tally::RESULT_FORMAT_V1).unwrap();
        let lines = summary(&v1, "en");
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("contest 1, mayor: option #0 3 (60.0 %)"), "{}", lines[0]);
    }

    /// The rules with figures of their own (SPEC.md §12.6): lists with seats and the threshold, the Schulze matrices,
    /// Borda points, grades with majority grades, scores, the full ranking.
    #[test]
    fn text_shows_each_rules_figures() {
        use crate::manifest::{ContestKind, PartyList, Rule, Threshold};
        let m = example_manifest();
        let o = Selection::Option;
        let answer = |s: Vec<Selection>| Ok(Answer { selections: s });
        // Party lists: Alice and Bob on list "a", Carol on "b"; 5 % threshold; 2 seats.
        let mut lists = m.contests[0].clone();
        lists.rule = Some(Rule::Dhondt);
        lists.seats = 2;
        lists.threshold = Some(Threshold { hundredths: 3_000 });
        let l =
            |id: &str, name: &str| PartyList { id: id.into(), title: [("en".to_string(), name.to_string())].into() };
        lists.lists = vec![l("a", "Party A"), l("b", "Party B")];
        for (opt, list) in lists.options.iter_mut().zip(["a", "a", "b"]) {
            opt.list = Some(list.into());
        }
        let r =
            count_contest(&lists, &[answer(vec![o(0)]), answer(vec![o(1)]), answer(vec![o(0)]), answer(vec![o(2)])]);
        let text = contest_text(1, &r, None, "en");
        assert!(text.contains("Party A") && text.contains("2 seats"), "{text}");
        assert!(text.contains("Party B") && text.contains("below the threshold: no seat"), "{text}");
        assert!(text.contains("elected: 1. Alice Tamm, 2. Bob Kask"), "{text}");
        // Schulze and Borda.
        let mut ranked = m.contests[2].clone();
        ranked.rule = Some(Rule::Schulze);
        let ballots = [answer(vec![o(1), o(0)]), answer(vec![o(1), o(2)]), answer(vec![o(0)])];
        let text = contest_text(3, &count_contest(&ranked, &ballots), None, "en");
        assert!(text.contains("ballots ranking the row's candidate above the column's"), "{text}");
        assert!(text.contains("strength of the strongest path"), "{text}");
        assert!(text.contains("full ranking: 1. Eve, 2. Dan"), "{text}");
        ranked.rule = Some(Rule::Borda);
        let text = contest_text(3, &count_contest(&ranked, &ballots), None, "en");
        assert!(text.contains("Borda points") && text.contains("    Eve  6"), "{text}");
        // Graded: Majority Judgment and score.
        let mut graded = m.contests[0].clone();
        graded.kind = ContestKind::Graded;
        graded.grades = ["Good", "Fair", "Poor"].map(|g| [("en".to_string(), g.to_string())].into()).to_vec();
        let rows = [answer(vec![o(0), o(2), o(1)]), answer(vec![o(1), o(2), o(1)]), answer(vec![o(0), o(0), o(2)])];
        let text = contest_text(1, &count_contest(&graded, &rows), None, "en");
        assert!(text.contains("grades given, best first (Good, Fair, Poor)"), "{text}");
        assert!(text.contains("Alice Tamm  2 / 1 / 0  majority grade: Good"), "{text}");
        assert!(text.contains("Bob Kask  1 / 0 / 2  majority grade: Poor"), "{text}");
        graded.rule = Some(Rule::Score);
        let text = contest_text(1, &count_contest(&graded, &rows), None, "en");
        assert!(text.contains("scores (each grade's points") && text.contains("    Alice Tamm  5"), "{text}");
    }

    /// Labels and names in `lang`: every English label of the text is gone, and each language's are there.
    fn assert_in_language(lang: &str, expected: &[&str]) {
        let (r, answers) = result();
        let mut text = text(&r, &answers, lang);
        // The rules with figures of their own and the ties, in the same language.
        text.push_str(&contest_text(4, &list_result(), None, lang));
        // STV ties (the tallier report's example): Fay and Gus for exclusion, then Dan, Eve and "Zed".
        let council = &example_manifest().contests[2];
        let o = Selection::Option;
        let zed = Selection::WriteIn("Zed".into());
        let rows = [o(0), o(0), o(1), o(1), zed.clone(), zed].map(|s| Ok(Answer { selections: vec![s] }));
        text.push_str(&contest_text(5, &count_contest(council, &rows), None, lang));
        for expected in expected {
            assert!(text.contains(expected), "{expected:?} in\n{text}");
        }
        for english in [
            "Turnout",
            "registered voters",
            "Contest",
            "ballots:",
            "valid ballots",
            "elected",
            "quota:",
            "round 1",
            "exhausted",
            "lost to rounding",
            "tied at",
            "lists, with",
            "seats",
            "plurality",
            "STV (Droop",
            "d'Hondt (party lists)",
            "below the threshold",
        ] {
            assert!(!text.contains(english), "{english:?} in the {lang} text:\n{text}");
        }
    }

    /// A d'Hondt contest of the example's mayor: Alice and Bob on list "a", Carol on "b"; 30 % threshold; 2 seats.
    fn list_result() -> ContestResult {
        use crate::manifest::{PartyList, Rule, Threshold};
        let m = example_manifest();
        let o = Selection::Option;
        let mut lists = m.contests[0].clone();
        lists.rule = Some(Rule::Dhondt);
        lists.seats = 2;
        lists.threshold = Some(Threshold { hundredths: 3_000 });
        let l = |id: &str, en: &str, et: &str, fr: &str| PartyList {
            id: id.into(),
            title: [("en", en), ("et", et), ("fr", fr)].map(|(k, v)| (k.to_string(), v.to_string())).into(),
        };
        lists.lists = vec![l("a", "Party A", "Erakond A", "Parti A"), l("b", "Party B", "Erakond B", "Parti B")];
        for (opt, list) in lists.options.iter_mut().zip(["a", "a", "b"]) {
            opt.list = Some(list.into());
        }
        let answers: Vec<_> = [0, 1, 0, 2].map(|i| Ok(Answer { selections: vec![o(i)] })).to_vec();
        count_contest(&lists, &answers)
    }

    #[test]
    fn text_in_estonian_has_estonian_labels() {
        assert_in_language(
            "et",
            &[
                "Valimisaktiivsus:",
                "registreeritud valijaid",
                "arvesse võetud                  5  üks valija kohta (62.5 % registreeritud valijatest)",
                "Hääletus 1: Linnapea (mayor; lihthäälteenamus, 1 koht)",
                "sedelid: 5 kehtivat, 0 kehtetut",
                "hääled, protsendina 5 kehtivast sedelist:",
                "heakskiidud (sedel võib heaks kiita mitu)",
                "valitud: 1. Alice Tamm",
                "Hääletus 3: Volikogu (council; ülekantav hääl (STV, Droopi kvoot, WIGM), 2 kohta)",
                "kvoot: 2 häält (Droop: 5 kehtivat sedelit / (2 kohta + 1), allapoole ümardatud, + 1)",
                "voor 1: ",
                "ümardamisel kadunud",
                "viik: voor 1: Fay ja Gus on viigis 0 häälega väljalangemisel; otsustas järjekord valimiste \
                 kirjelduses: Gus välja langenud",
                "d'Hondti meetod (nimekirjad)",
                "Erakond A         3   75.0 %  2 kohta",
                "alla künnise: kohta ei saa",
            ],
        );
    }

    #[test]
    fn text_in_french_has_french_labels() {
        assert_in_language(
            "fr",
            &[
                "Participation :",
                "électeurs inscrits",
                "comptés                               5  un par électeur (62.5 % des électeurs inscrits)",
                "Scrutin 1 : Maire (mayor ; scrutin majoritaire à un tour, 1 siège)",
                "bulletins : 5 valides, 0 invalides",
                "voix, en pourcentage des 5 bulletins valides :",
                "élus : 1. Alice Tamm",
                "Scrutin 3 : Conseil (council ; vote unique transférable (quota de Droop, WIGM), 2 sièges)",
                "quota : 2 voix (Droop : 5 bulletins valides / (2 sièges + 1), arrondi à l'inférieur, + 1)",
                "tour 1 : ",
                "perdu à l'arrondi",
                "tour 5 : Eve élu (autant de candidats restants",
                "égalité : tour 1 : Fay et Gus à égalité à 0 voix pour l'élimination ; départagés par l'ordre \
                 de la description de l'élection : Gus éliminé",
                "(mayor ; scrutin majoritaire",
                "méthode d'Hondt (listes)",
                "Parti A         3   75.0 %  2 sièges",
                "sous le seuil : aucun siège",
            ],
        );
    }

    /// English is the default for a language the report has no words in; names still follow the manifest.
    #[test]
    fn text_in_another_language_has_english_labels() {
        let (r, answers) = result();
        assert_eq!(text(&r, &answers, "de"), text(&r, &answers, "en"));
    }

    /// result.csv of a party-list contest: two more columns, and a row per list with its votes and seats.
    #[test]
    fn csv_has_a_row_per_list_with_its_seats() {
        let (mut r, _) = result();
        r.contests.push(list_result());
        let csv = csv(&r, "en");
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], format!("{CSV_HEADER},{CSV_LIST_COLUMNS}"));
        assert_eq!(lines[0], "contest,contest_id,option_id,name,votes,percent,elected,list,seats");
        assert_eq!(lines[1], "1,mayor,alice,Alice Tamm,3,60.0,yes,,");
        let tail: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with("4,")).collect();
        assert_eq!(
            tail,
            [
                "4,mayor,alice,Alice Tamm,2,50.0,yes,,",
                "4,mayor,bob,Bob Kask,1,25.0,yes,,",
                "4,mayor,carol,Carol Saar,1,25.0,no,,",
                "4,mayor,,Party A,3,75.0,,a,2",
                "4,mayor,,Party B,1,25.0,,b,0",
            ]
        );
        // Every row has the header's nine fields (but the write-in's, whose quoted name holds a comma).
        assert!(lines.iter().filter(|l| !l.is_empty() && !l.contains('"')).all(|l| l.split(',').count() == 9), "{csv}");
        // The lists' names in the language asked for; without a list contest, the header of seven columns.
        assert!(super::csv(&r, "fr").contains("4,mayor,,Parti A,3,75.0,,a,2"));
        r.contests.pop();
        assert!(super::csv(&r, "en").starts_with(&format!("{CSV_HEADER}\r\n")));
    }

    /// A contest that spans districts (`rv/result/v4`): the text gives each district's figures under the
    /// contest's, in the language asked for, and V13's summary one more line; a contest of one district does not
    /// repeat its figures. The text reads the answers of every unit of a contest (the reasons of invalid ones).
    #[test]
    fn districts_are_shown_for_contests_that_span_them() {
        use crate::count::DistrictFigures;
        let m = crate::manifest::example_manifest_districts();
        let referendum = &m.contests[3];
        let yes = || Ok(Answer::single(0));
        let no = || Ok(Answer::single(1));
        let mut r = count_contest(referendum, &[yes(), yes(), no()]);
        let figures = |d: &str, y: u64, n: u64| DistrictFigures {
            district: d.into(),
            valid: y + n,
            invalid: 0,
            tallies: vec![(Selection::Option(0), y), (Selection::Option(1), n)],
        };
        r.districts = Some(vec![figures("north", 1, 1), figures("centre", 1, 0), figures("south", 0, 0)]);
        let text = contest_text(4, &r, None, "en");
        assert!(text.contains("  by district (each district's own ballots, counted alone):"), "{text}");
        assert!(text.contains("    north: 2 valid, 0 invalid; Yes 1, No 1"), "{text}");
        assert!(text.contains("    south: 0 valid, 0 invalid; Yes 0, No 0"), "{text}");
        let et = contest_text(4, &r, None, "et");
        assert!(et.contains("ringkonniti") && et.contains("north: 2 kehtivat, 0 kehtetut; Jah 1, Ei 1"), "{et}");
        let fr = contest_text(4, &r, None, "fr");
        assert!(
            fr.contains("par circonscription") && fr.contains("north : 2 valides, 0 invalides ; Oui 1, Non 1"),
            "{fr}"
        );
        let result = ResultFile {
            format: crate::tally::RESULT_FORMAT_V4.into(),
            fingerprint: crate::Fingerprint([0; 32]),
            turnout: None,
            contests: vec![r.clone()],
            national: None,
        };
        assert_eq!(
            summary(&result, "en"),
            [
                "contest 1, Should the town build a tram line?: Yes 2 (66.7 %), No 1 (33.3 %); elected: Yes",
                "contest 1 by district: north: Yes 1, No 1; centre: Yes 1, No 0; south: Yes 0, No 0",
            ]
        );
        // One district only (a district's own council): nothing repeated.
        r.districts = Some(vec![figures("north", 2, 1)]);
        assert!(!contest_text(1, &r, None, "en").contains("by district"));
        // The answers of every unit of the contest give the reasons of invalid answers.
        let unit = |d: &str, invalid: &str| AnswersFile {
            contest: "referendum".into(),
            district: Some(d.into()),
            answers: [DecodedAnswer::Invalid { invalid: invalid.into() }].into_iter().collect(),
        };
        let merged = answers_of(&r, &[unit("north", "too_many"), unit("south", "too_many")]).unwrap();
        assert_eq!(merged.answers.len(), 2);
    }
}
