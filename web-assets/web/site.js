// The published site's shared code: texts in English, Estonian and French, the language choice, reading the data
// files (`verifier publish` writes them from a verified record; the collector answers the board's during voting),
// and small formatting helpers. No third-party code; no inline script or style anywhere (strict CSP).
import { lookup, chooseLanguage, savedLanguage, saveLanguage, translate } from "./i18n-core.js";

export const TEXTS = {
  en: {
    language: "Language", site_title: "Election record", nav: "Pages", nav_home: "Election", nav_board: "Ballot board",
    nav_results: "Results", nav_verify: "Verify in your browser", loading: "Loading…",
    load_failed: "Could not load {what} ({reason}). Reload the page; if it keeps failing, tell whoever hosts this site.",
    file_protocol: "This page was opened from a file, and browsers do not let a page read other files that way. Serve the folder with any web server, for example: python3 -m http.server -d SITE-FOLDER 8000, then open http://127.0.0.1:8000/.",
    fingerprint: "Election fingerprint", period: "Voting period", from_to: "{opens} to {closes}",
    home_intro: "This site was written from the election record after every check of the verifier passed (V1–V13). Compare the fingerprint above with the one the election authority published: if they differ, this is not the election you mean.",
    home_board: "Find your ballot's tracker and see what became of your ballot.",
    home_results: "The result of each contest, the turnout, and the record to download.",
    home_verify: "How to verify the whole record yourself.",
    elected_summary: "{contest}: {names}", nobody: "nobody", elected_title: "Elected",
    board_title: "Ballot board",
    board_intro: "Every ballot the collector put in its public log, in order: its tracker, when it was accepted, and what the tally did with it. Your tracker is on your receipt and on the voting page after you cast.",
    board_live_intro: "Every ballot the collector has put in its public log so far, in order: its tracker and when it was accepted. What becomes of each ballot is shown here after the tally.",
    board_mirror_note: "This copy of the board comes from an independent mirror of the ballot log: it shows only what the mirror checked itself under the collector's signed heads, not the collector's own answers.",
    find_title: "Find your ballot", tracker: "Ballot tracker",
    tracker_help: "16 letters and digits (0–9, A–F) in four groups, like 3F9A-0C41-7B2E-D865. Dashes, spaces and small or capital letters do not matter.",
    find: "Find", tracker_bad: "“{text}” is not a tracker: a tracker has 16 letters and digits (0–9, A–F). Copy it from your receipt and try again.",
    found: "Ballot {tracker} is number {n} on the board (leaf {leaf}), accepted {time}.",
    found_many: "{count} ballots on the board have tracker {tracker} (a tracker is short, so two ballots can share one):",
    not_found: "No ballot with tracker {tracker} is on the board. Check the tracker on your receipt; if it is right, tell the election officials and keep your receipt.",
    not_found_live: "No ballot with tracker {tracker} is in the log yet. Check the tracker on your receipt; if it is right and you cast the ballot more than a minute ago, tell the election officials and keep your receipt.",
    head_title: "The collector's signed tree head", head_final: "The final head, signed when voting closed.",
    head_latest: "The latest head: the log's size and root, signed by the collector.",
    tree_size: "Ballots in the log", root: "Root of the Merkle tree", signed_at: "Signed at", signature: "Signature",
    collector_key: "Collector's key",
    list_title: "All ballots", caption: "Ballots {from}–{to} of {total}, page {page} of {pages}",
    caption_empty: "No ballot yet.",
    col_n: "No.", col_tracker: "Tracker", col_time: "Accepted (UTC)", col_fate: "Fate",
    first: "First", previous: "Previous", next: "Next", last: "Last", go: "Go", page_number: "Page number",
    pager: "Pages of the board",
    fate_counted: "counted", fate_superseded: "replaced by ballot no. {n} (the same voter voted again)",
    fate_revoked: "cancelled: the voter voted on paper", fate_refused: "refused: {reason}",
    fate_removed: "cancelled: the officials removed the credential from the voter list (entry no. {n} of the log)",
    fate_moved: "cancelled: the officials moved the voter to another district (entry no. {n} of the log)",
    fate_live: "in the log",
    change_add: "voter-list change no. {n}: the officials added a credential", change_remove: "voter-list change no. {n}: the officials removed a credential",
    change_move: "voter-list change no. {n}: the officials moved a voter to another district", change_unknown: "voter-list change",
    reason_wrong_election: "for another election", reason_wrong_shape: "wrong shape",
    reason_unknown_credential: "unknown credential", reason_wrong_district: "a ballot for another district than the voter's", reason_bad_signature: "bad signature", reason_bad_proof: "bad proof",
    fate_help_counted: "Your ballot entered the count.",
    fate_help_superseded: "Only a voter's last ballot counts. If you did not vote again, tell the election officials.",
    fate_help_revoked: "You voted on paper, so your electronic votes were cancelled. If you did not, tell the election officials.",
    fate_help_removed: "The election officials removed your credential from the voter list after you voted, so this ballot was cancelled. If you think this is wrong, tell the election officials.",
    fate_help_moved: "The election officials moved you to another district after you voted, so this ballot was cancelled: vote again, with a ballot of your new district.",
    fate_help_refused: "This ballot did not pass the checks, so it was not counted. Tell the election officials.",
    fate_help_live: "What becomes of it is shown here after the tally.",
    results_title: "Results", turnout_title: "Turnout",
    registered: "Registered voters", cast: "Ballots cast (re-votes included)", refused: "Refused",
    superseded: "Replaced by a re-vote", revoked: "Cancelled on paper", counted: "Counted (one per voter)",
    counted_share: "{p} % of the registered voters",
    method: "Counting method", valid: "Valid answers", invalid: "Invalid answers", seats: "Seats",
    method_plurality: "plurality: the most votes win", method_approval: "approval: the most approvals win",
    "method_instant-runoff (STV, one seat)": "instant runoff: ranked, the fewest votes are excluded round by round",
    "method_STV (Droop quota, WIGM)": "single transferable vote (Droop quota, weighted inclusive Gregory method)",
    col_candidate: "Candidate", col_votes: "Votes", col_percent: "%", col_bar: "Share of the valid answers",
    col_elected: "Elected", yes: "yes", no: "",
    first_preferences: "Votes are first preferences.",
    write_in: "{name} (write-in)",
    rounds_title: "Round by round", quota: "Quota: {q} votes.",
    districts_title: "By district", col_district: "District",
    national_title: "National seat allocation", national_help: "The seats of the contests counted by the Riigikogu method, allocated over every district: personal mandates, district mandates, then compensation mandates by the parties' national votes.",
    districts_help: "Each district's own ballots, counted alone; the seats are the whole contest's.",
    round: "Round {n}", exhausted: "Exhausted", rounding: "Lost to rounding", total: "Total",
    action_elected: "{name} elected (surplus {s})", action_excluded: "{name} excluded",
    action_elected_remaining: "elected, filling the remaining seats: {names}",
    round_action: "What the round did",
    ties: "Ties decided by the rule (SPEC.md §12.4): {n}.",
    download_title: "The election record",
    download_help: "Everything the verifier checked, file by file. The record's head is the last link of the chain of digests in index.json: it fixes every file.",
    record_head: "Record head (SHA-256 chain)", record_index: "Download index.json (the list of files)",
    record_files: "The record's {n} files", col_path: "File", col_size: "Bytes", col_sha: "SHA-256",
    verify_cli: "To verify it yourself, download the files into a folder named record and run:",
    verified_title: "What was verified",
    verified_1: "Every ballot in the collector's signed log was checked, and only the last valid ballot of each registered voter, less those cancelled on paper, was counted.",
    verified_2: "Each mixing stage was made and signed by the mix server the election names, and proven to shuffle without changing any vote.",
    verified_3: "The decryption was done by the trustees of the verified key ceremony, with proofs, and the result is the count of the decrypted ballots.",
    checks: "The checks that passed", col_check: "Check", col_note: "Detail",
    trusted_title: "What you must still trust",
    trusted_1: "That the fingerprint shown here is the one the election authority published: compare them.",
    trusted_2: "Privacy: that at least one mix server kept its shuffle secret, and that fewer trustees than the threshold worked together.",
    trusted_3: "That the voter list holds eligible voters only, and that each voter's device encrypted the voter's choice (the challenge and the second device check it).",
    trusted_4: "That the collector did not drop a ballot before its voter checked the receipt: find your tracker on the board.",
    trusted_5: "That this site shows the record faithfully: the site's data was written by the verifier, but a host could change it. Verify the record yourself to be sure.",
    verify_title: "Verify the whole record",
    verify_here: "Verify the whole record in this browser: the page downloads the record, runs every check (V1–V13) with the same code as the command-line verifier, and shows the report. Nothing is sent anywhere.", verify_open: "Open the in-browser verifier", verify_or: "Or, on your own computer, with the command-line verifier:",
    verify_missing: "Verification in this browser is not available yet. Until it is, anyone can verify the whole record on their own computer with the command-line verifier, which runs every check (V1–V13) and prints a report.",
    verify_steps: "Steps", verify_step1: "Download the record's files (the results page lists them) into a folder named record, keeping their paths.",
    verify_step2: "Install the verifier (it is part of the election software, free to read and build).",
    verify_step3: "Run, with the fingerprint the election authority published:",
    verify_step4: "Every check must say “pass”. The report also says what was proven and what must still be trusted.",
  },
  et: {
    language: "Keel", site_title: "Valimiste andmed", nav: "Lehed", nav_home: "Valimised", nav_board: "Sedelite tahvel",
    nav_results: "Tulemused", nav_verify: "Kontrolli oma brauseris", loading: "Laadimine…",
    load_failed: "Ei saanud laadida: {what} ({reason}). Laadi leht uuesti; kui viga kordub, teata saidi pidajale.",
    file_protocol: "See leht avati failist ja brauserid ei luba lehel nii teisi faile lugeda. Jaga kausta mõne veebiserveriga, näiteks: python3 -m http.server -d SAIDI-KAUST 8000, ja ava http://127.0.0.1:8000/.",
    fingerprint: "Valimiste sõrmejälg", period: "Hääletamise aeg", from_to: "{opens} kuni {closes}",
    home_intro: "See sait on kirjutatud valimiste andmetest pärast seda, kui kõik kontrollija kontrollid läbiti (V1–V13). Võrdle ülal olevat sõrmejälge valimiste korraldaja avaldatuga: kui need erinevad, pole see need valimised.",
    home_board: "Leia oma sedeli jälgimiskood ja vaata, mis sinu sedelist sai.",
    home_results: "Iga küsimuse tulemus, osalus ja allalaaditavad valimiste andmed.",
    home_verify: "Kuidas kõiki andmeid ise kontrollida.",
    elected_summary: "{contest}: {names}", nobody: "keegi", elected_title: "Valitud",
    board_title: "Sedelite tahvel",
    board_intro: "Iga sedel, mille koguja oma avalikku logisse pani, järjekorras: jälgimiskood, vastuvõtmise aeg ja mida lugemine sellega tegi. Sinu jälgimiskood on kviitungil ja hääletuslehel pärast hääletamist.",
    board_live_intro: "Iga sedel, mille koguja on seni oma avalikku logisse pannud, järjekorras: jälgimiskood ja vastuvõtmise aeg. Mis igast sedelist saab, näidatakse siin pärast lugemist.",
    board_mirror_note: "See tahvli koopia tuleb sedelite logi sõltumatult peeglilt: see näitab ainult seda, mida peegel on ise koguja allkirjastatud peade järgi kontrollinud, mitte koguja enda vastuseid.",
    find_title: "Leia oma sedel", tracker: "Sedeli jälgimiskood",
    tracker_help: "16 tähte ja numbrit (0–9, A–F) neljas rühmas, näiteks 3F9A-0C41-7B2E-D865. Kriipsud, tühikud ning väikesed või suured tähed ei loe.",
    find: "Otsi", tracker_bad: "„{text}” ei ole jälgimiskood: jälgimiskoodis on 16 tähte ja numbrit (0–9, A–F). Kopeeri see kviitungilt ja proovi uuesti.",
    found: "Sedel {tracker} on tahvlil number {n} (logi indeks {leaf}), vastu võetud {time}.",
    found_many: "Tahvlil on {count} sedelit jälgimiskoodiga {tracker} (kood on lühike, nii et kaks sedelit võivad seda jagada):",
    not_found: "Jälgimiskoodiga {tracker} sedelit tahvlil ei ole. Kontrolli kviitungil olevat koodi; kui see on õige, teata valimiste korraldajatele ja hoia kviitung alles.",
    not_found_live: "Jälgimiskoodiga {tracker} sedelit logis veel ei ole. Kontrolli kviitungil olevat koodi; kui see on õige ja hääletasid üle minuti tagasi, teata valimiste korraldajatele ja hoia kviitung alles.",
    head_title: "Koguja allkirjastatud puu pea", head_final: "Lõplik pea, allkirjastatud hääletamise lõppedes.",
    head_latest: "Viimane pea: logi suurus ja juur, koguja allkirjaga.",
    tree_size: "Sedeleid logis", root: "Merkle'i puu juur", signed_at: "Allkirjastatud", signature: "Allkiri",
    collector_key: "Koguja võti",
    list_title: "Kõik sedelid", caption: "Sedelid {from}–{to} / {total}, lehekülg {page} / {pages}",
    caption_empty: "Sedeleid veel ei ole.",
    col_n: "Nr", col_tracker: "Jälgimiskood", col_time: "Vastu võetud (UTC)", col_fate: "Saatus",
    first: "Esimene", previous: "Eelmine", next: "Järgmine", last: "Viimane", go: "Mine", page_number: "Lehekülje number",
    pager: "Tahvli leheküljed",
    fate_counted: "loetud", fate_superseded: "asendatud sedeliga nr {n} (sama valija hääletas uuesti)",
    fate_revoked: "tühistatud: valija hääletas paberil", fate_refused: "tagasi lükatud: {reason}",
    fate_removed: "tühistatud: korraldajad eemaldasid volituse valijate nimekirjast (logi kirje nr {n})",
    fate_moved: "tühistatud: korraldajad viisid valija teise ringkonda (logi kirje nr {n})",
    fate_live: "logis",
    change_add: "valijate nimekirja muudatus nr {n}: korraldajad lisasid volituse", change_remove: "valijate nimekirja muudatus nr {n}: korraldajad eemaldasid volituse",
    change_move: "valijate nimekirja muudatus nr {n}: korraldajad viisid valija teise ringkonda", change_unknown: "valijate nimekirja muudatus",
    reason_wrong_election: "teiste valimiste oma", reason_wrong_shape: "vale kujuga",
    reason_unknown_credential: "tundmatu volitus", reason_wrong_district: "sedel teise ringkonna kui valija oma", reason_bad_signature: "vigane allkiri", reason_bad_proof: "vigane tõestus",
    fate_help_counted: "Sinu sedel läks lugemisse.",
    fate_help_superseded: "Loetakse ainult valija viimane sedel. Kui sa uuesti ei hääletanud, teata valimiste korraldajatele.",
    fate_help_revoked: "Sa hääletasid paberil, seega tühistati sinu elektroonilised hääled. Kui sa seda ei teinud, teata valimiste korraldajatele.",
    fate_help_removed: "Valimiste korraldajad eemaldasid sinu volituse valijate nimekirjast pärast sinu hääletamist, seega see sedel tühistati. Kui see on sinu arvates vale, teata valimiste korraldajatele.",
    fate_help_moved: "Valimiste korraldajad viisid sind pärast sinu hääletamist teise ringkonda, seega see sedel tühistati: hääleta uuesti, oma uue ringkonna sedeliga.",
    fate_help_refused: "See sedel ei läbinud kontrolle ja seda ei loetud. Teata valimiste korraldajatele.",
    fate_help_live: "Mis sellest saab, näidatakse siin pärast lugemist.",
    results_title: "Tulemused", turnout_title: "Osalus",
    registered: "Registreeritud valijaid", cast: "Antud sedeleid (koos kordushääletustega)", refused: "Tagasi lükatud",
    superseded: "Asendatud kordushäälega", revoked: "Paberil tühistatud", counted: "Loetud (üks valija kohta)",
    counted_share: "{p} % registreeritud valijatest",
    method: "Lugemisviis", valid: "Kehtivaid vastuseid", invalid: "Kehtetuid vastuseid", seats: "Kohti",
    method_plurality: "enamus: enim hääli saanu võidab", method_approval: "heakskiit: enim heakskiite saanud võidavad",
    "method_instant-runoff (STV, one seat)": "kohene kordusvoor: järjestatud, igas voorus jääb välja vähim hääli saanu",
    "method_STV (Droop quota, WIGM)": "ülekantav üksikhääl (Droopi kvoot, kaalutud kaasav Gregory meetod)",
    col_candidate: "Kandidaat", col_votes: "Hääli", col_percent: "%", col_bar: "Osa kehtivatest vastustest",
    col_elected: "Valitud", yes: "jah", no: "",
    first_preferences: "Hääled on esimesed eelistused.",
    write_in: "{name} (sissekirjutatud)",
    rounds_title: "Voor voorult", quota: "Kvoot: {q} häält.",
    districts_title: "Ringkonniti", col_district: "Ringkond",
    national_title: "Üleriigiline mandaatide jaotus", national_help: "Kohad jaotatakse kõigi ringkondade peale Riigikogu valimise meetodil: isikumandaadid, ringkonnamandaadid, seejärel kompensatsioonimandaadid erakondade üleriigiliste häälte järgi.",
    districts_help: "Iga ringkonna oma sedelid eraldi loetuna; kohad on kogu hääletuse omad.",
    round: "Voor {n}", exhausted: "Ammendunud", rounding: "Ümardamisel kadunud", total: "Kokku",
    action_elected: "{name} valitud (ülejääk {s})", action_excluded: "{name} välja jäetud",
    action_elected_remaining: "valitud, täites ülejäänud kohad: {names}",
    round_action: "Mida voor tegi",
    ties: "Reegli järgi otsustatud viike (SPEC.md §12.4): {n}.",
    download_title: "Valimiste andmed",
    download_help: "Kõik, mida kontrollija kontrollis, fail faililt. Andmete pea on index.json-i räsiahela viimane lüli: see fikseerib iga faili.",
    record_head: "Andmete pea (SHA-256 ahel)", record_index: "Laadi alla index.json (failide loend)",
    record_files: "Andmete {n} faili", col_path: "Fail", col_size: "Baite", col_sha: "SHA-256",
    verify_cli: "Et seda ise kontrollida, laadi failid kausta nimega record ja käivita:",
    verified_title: "Mida kontrolliti",
    verified_1: "Iga sedel koguja allkirjastatud logis kontrolliti ja loeti ainult iga registreeritud valija viimane kehtiv sedel, välja arvatud paberil tühistatud.",
    verified_2: "Iga segamisetapi tegi ja allkirjastas valimiste nimetatud segamisserver ning tõestas, et segamine ei muutnud ühtki häält.",
    verified_3: "Dekrüpteerisid kontrollitud võtmetseremoonia usaldusisikud, tõestustega, ja tulemus on dekrüpteeritud sedelite loendus.",
    checks: "Läbitud kontrollid", col_check: "Kontroll", col_note: "Üksikasjad",
    trusted_title: "Mida pead siiski usaldama",
    trusted_1: "Et siin näidatud sõrmejälg on see, mille valimiste korraldaja avaldas: võrdle neid.",
    trusted_2: "Privaatsus: et vähemalt üks segamisserver hoidis oma segamise saladuses ja et lävendist vähem usaldusisikuid tegi koostööd.",
    trusted_3: "Et valijate nimekirjas on ainult hääleõiguslikud ja et iga valija seade krüpteeris valija valiku (seda kontrollivad väljakutse ja teine seade).",
    trusted_4: "Et koguja ei jätnud sedelit kõrvale enne, kui valija kviitungit kontrollis: leia oma jälgimiskood tahvlilt.",
    trusted_5: "Et see sait näitab andmeid ausalt: saidi andmed kirjutas kontrollija, kuid saidi pidaja võiks neid muuta. Kindluse saamiseks kontrolli andmeid ise.",
    verify_title: "Kontrolli kõiki andmeid",
    verify_here: "Kontrolli kõiki andmeid selles brauseris: leht laadib andmed alla, teeb kõik kontrollid (V1–V13) sama koodiga nagu käsurea kontrollija ja näitab aruannet. Midagi ei saadeta kuhugi.", verify_open: "Ava brauseris kontrollija", verify_or: "Või oma arvutis käsurea kontrollijaga:",
    verify_missing: "Kontrollimine selles brauseris ei ole veel võimalik. Seni saab igaüks kõiki andmeid oma arvutis kontrollida käsurea kontrollijaga, mis teeb kõik kontrollid (V1–V13) ja prindib aruande.",
    verify_steps: "Sammud", verify_step1: "Laadi andmete failid (tulemuste leht loetleb need) kausta nimega record, säilitades nende teed.",
    verify_step2: "Paigalda kontrollija (see on osa valimistarkvarast, mida igaüks võib lugeda ja ehitada).",
    verify_step3: "Käivita valimiste korraldaja avaldatud sõrmejäljega:",
    verify_step4: "Iga kontroll peab ütlema „pass”. Aruanne ütleb ka, mis tõestati ja mida tuleb siiski usaldada.",
  },
  fr: {
    language: "Langue", site_title: "Dossier de l’élection", nav: "Pages", nav_home: "Élection", nav_board: "Tableau des bulletins",
    nav_results: "Résultats", nav_verify: "Vérifier dans le navigateur", loading: "Chargement…",
    load_failed: "Impossible de charger {what} ({reason}). Rechargez la page ; si l’erreur persiste, prévenez l’hébergeur du site.",
    file_protocol: "Cette page a été ouverte depuis un fichier, et les navigateurs ne laissent pas une page lire d’autres fichiers ainsi. Servez le dossier avec un serveur web, par exemple : python3 -m http.server -d DOSSIER-DU-SITE 8000, puis ouvrez http://127.0.0.1:8000/.",
    fingerprint: "Empreinte de l’élection", period: "Période de vote", from_to: "du {opens} au {closes}",
    home_intro: "Ce site a été écrit à partir du dossier de l’élection après que toutes les vérifications du vérificateur ont réussi (V1–V13). Comparez l’empreinte ci-dessus avec celle publiée par l’autorité électorale : si elles diffèrent, ce n’est pas l’élection que vous croyez.",
    home_board: "Trouvez le code de suivi de votre bulletin et voyez ce qu’il est devenu.",
    home_results: "Le résultat de chaque scrutin, la participation et le dossier à télécharger.",
    home_verify: "Comment vérifier vous-même tout le dossier.",
    elected_summary: "{contest} : {names}", nobody: "personne", elected_title: "Élus",
    board_title: "Tableau des bulletins",
    board_intro: "Chaque bulletin que le collecteur a inscrit dans son journal public, dans l’ordre : son code de suivi, l’heure de sa réception et ce que le dépouillement en a fait. Votre code de suivi figure sur votre reçu et sur la page de vote après le vote.",
    board_live_intro: "Chaque bulletin que le collecteur a inscrit jusqu’ici dans son journal public, dans l’ordre : son code de suivi et l’heure de sa réception. Ce que devient chaque bulletin est affiché ici après le dépouillement.",
    board_mirror_note: "Cette copie du tableau vient d’un miroir indépendant du journal des bulletins : elle ne montre que ce que le miroir a lui-même vérifié sous les têtes signées du collecteur, et non les réponses du collecteur.",
    find_title: "Trouver votre bulletin", tracker: "Code de suivi du bulletin",
    tracker_help: "16 lettres et chiffres (0–9, A–F) en quatre groupes, comme 3F9A-0C41-7B2E-D865. Tirets, espaces, minuscules ou majuscules : peu importe.",
    find: "Chercher", tracker_bad: "« {text} » n’est pas un code de suivi : un code a 16 lettres et chiffres (0–9, A–F). Copiez-le depuis votre reçu et réessayez.",
    found: "Le bulletin {tracker} est le numéro {n} du tableau (indice {leaf} du journal), reçu le {time}.",
    found_many: "{count} bulletins du tableau ont le code {tracker} (un code est court, deux bulletins peuvent le partager) :",
    not_found: "Aucun bulletin du tableau n’a le code {tracker}. Vérifiez le code sur votre reçu ; s’il est juste, prévenez les responsables de l’élection et gardez votre reçu.",
    not_found_live: "Aucun bulletin du journal n’a encore le code {tracker}. Vérifiez le code sur votre reçu ; s’il est juste et que vous avez voté il y a plus d’une minute, prévenez les responsables de l’élection et gardez votre reçu.",
    head_title: "La tête d’arbre signée du collecteur", head_final: "La tête finale, signée à la clôture du vote.",
    head_latest: "La dernière tête : la taille et la racine du journal, signées par le collecteur.",
    tree_size: "Bulletins dans le journal", root: "Racine de l’arbre de Merkle", signed_at: "Signée le", signature: "Signature",
    collector_key: "Clé du collecteur",
    list_title: "Tous les bulletins", caption: "Bulletins {from} à {to} sur {total}, page {page} sur {pages}",
    caption_empty: "Aucun bulletin pour l’instant.",
    col_n: "N°", col_tracker: "Code de suivi", col_time: "Reçu (UTC)", col_fate: "Sort",
    first: "Première", previous: "Précédente", next: "Suivante", last: "Dernière", go: "Aller", page_number: "Numéro de page",
    pager: "Pages du tableau",
    fate_counted: "compté", fate_superseded: "remplacé par le bulletin n° {n} (le même électeur a revoté)",
    fate_revoked: "annulé : l’électeur a voté sur papier", fate_refused: "refusé : {reason}",
    fate_removed: "annulé : les responsables ont retiré l’identifiant de la liste électorale (entrée n° {n} du journal)",
    fate_moved: "annulé : les responsables ont inscrit l’électeur dans une autre circonscription (entrée n° {n} du journal)",
    fate_live: "dans le journal",
    change_add: "modification n° {n} de la liste électorale : les responsables ont ajouté un identifiant", change_remove: "modification n° {n} de la liste électorale : les responsables ont retiré un identifiant",
    change_move: "modification n° {n} de la liste électorale : les responsables ont inscrit un électeur dans une autre circonscription", change_unknown: "modification de la liste électorale",
    reason_wrong_election: "d’une autre élection", reason_wrong_shape: "forme incorrecte",
    reason_unknown_credential: "identifiant inconnu", reason_wrong_district: "bulletin d’une autre circonscription que celle de l’électeur", reason_bad_signature: "signature invalide", reason_bad_proof: "preuve invalide",
    fate_help_counted: "Votre bulletin a été compté.",
    fate_help_superseded: "Seul le dernier bulletin d’un électeur compte. Si vous n’avez pas revoté, prévenez les responsables de l’élection.",
    fate_help_revoked: "Vous avez voté sur papier, vos votes électroniques ont donc été annulés. Si ce n’est pas le cas, prévenez les responsables de l’élection.",
    fate_help_removed: "Les responsables de l’élection ont retiré votre identifiant de la liste électorale après votre vote : ce bulletin a donc été annulé. Si c’est une erreur, prévenez-les.",
    fate_help_moved: "Les responsables de l’élection vous ont inscrit dans une autre circonscription après votre vote : ce bulletin a donc été annulé. Votez de nouveau, avec un bulletin de votre nouvelle circonscription.",
    fate_help_refused: "Ce bulletin n’a pas passé les vérifications et n’a pas été compté. Prévenez les responsables de l’élection.",
    fate_help_live: "Ce qu’il devient sera affiché ici après le dépouillement.",
    results_title: "Résultats", turnout_title: "Participation",
    registered: "Électeurs inscrits", cast: "Bulletins déposés (revotes compris)", refused: "Refusés",
    superseded: "Remplacés par un revote", revoked: "Annulés par un vote papier", counted: "Comptés (un par électeur)",
    counted_share: "{p} % des électeurs inscrits",
    method: "Mode de décompte", valid: "Réponses valables", invalid: "Réponses non valables", seats: "Sièges",
    method_plurality: "majorité relative : le plus de voix l’emporte", method_approval: "approbation : le plus d’approbations l’emporte",
    "method_instant-runoff (STV, one seat)": "vote alternatif : classement, le moins de voix est éliminé à chaque tour",
    "method_STV (Droop quota, WIGM)": "vote unique transférable (quota de Droop, méthode de Gregory inclusive pondérée)",
    col_candidate: "Candidat", col_votes: "Voix", col_percent: "%", col_bar: "Part des réponses valables",
    col_elected: "Élu", yes: "oui", no: "",
    first_preferences: "Les voix sont les premiers choix.",
    write_in: "{name} (candidat ajouté)",
    rounds_title: "Tour par tour", quota: "Quota : {q} voix.",
    districts_title: "Par circonscription", col_district: "Circonscription",
    national_title: "Répartition nationale des sièges", national_help: "Les sièges, répartis sur toutes les circonscriptions selon la méthode du Riigikogu : sièges personnels, sièges de circonscription, puis sièges de compensation selon les voix nationales des partis.",
    districts_help: "Les bulletins de chaque circonscription, comptés à part ; les sièges sont ceux de tout le scrutin.",
    round: "Tour {n}", exhausted: "Épuisés", rounding: "Perdu à l’arrondi", total: "Total",
    action_elected: "{name} élu (excédent {s})", action_excluded: "{name} éliminé",
    action_elected_remaining: "élus, pour les sièges restants : {names}",
    round_action: "Ce qu’a fait le tour",
    ties: "Égalités tranchées par la règle (SPEC.md §12.4) : {n}.",
    download_title: "Le dossier de l’élection",
    download_help: "Tout ce que le vérificateur a vérifié, fichier par fichier. La tête du dossier est le dernier maillon de la chaîne d’empreintes de index.json : elle fixe chaque fichier.",
    record_head: "Tête du dossier (chaîne SHA-256)", record_index: "Télécharger index.json (la liste des fichiers)",
    record_files: "Les {n} fichiers du dossier", col_path: "Fichier", col_size: "Octets", col_sha: "SHA-256",
    verify_cli: "Pour le vérifier vous-même, téléchargez les fichiers dans un dossier nommé record et lancez :",
    verified_title: "Ce qui a été vérifié",
    verified_1: "Chaque bulletin du journal signé du collecteur a été vérifié, et seul le dernier bulletin valable de chaque électeur inscrit, hors ceux annulés par un vote papier, a été compté.",
    verified_2: "Chaque étape de mélange a été faite et signée par le serveur de mélange que l’élection désigne, avec la preuve qu’elle ne change aucun vote.",
    verified_3: "Le déchiffrement a été fait par les dépositaires de la cérémonie des clés vérifiée, avec preuves, et le résultat est le décompte des bulletins déchiffrés.",
    checks: "Les vérifications réussies", col_check: "Vérification", col_note: "Détail",
    trusted_title: "Ce à quoi vous devez encore faire confiance",
    trusted_1: "Que l’empreinte affichée ici est celle que l’autorité électorale a publiée : comparez-les.",
    trusted_2: "Le secret du vote : qu’au moins un serveur de mélange a gardé son mélange secret, et que moins de dépositaires que le seuil se sont entendus.",
    trusted_3: "Que la liste électorale ne contient que des électeurs, et que l’appareil de chaque électeur a chiffré son choix (le défi et le second appareil le vérifient).",
    trusted_4: "Que le collecteur n’a écarté aucun bulletin avant que son électeur vérifie le reçu : cherchez votre code sur le tableau.",
    trusted_5: "Que ce site montre fidèlement le dossier : ses données ont été écrites par le vérificateur, mais un hébergeur pourrait les changer. Vérifiez le dossier vous-même pour en être sûr.",
    verify_title: "Vérifier tout le dossier",
    verify_here: "Vérifiez tout le dossier dans ce navigateur : la page télécharge le dossier, fait toutes les vérifications (V1–V13) avec le même code que le vérificateur en ligne de commande et affiche le rapport. Rien n’est envoyé nulle part.", verify_open: "Ouvrir le vérificateur dans le navigateur", verify_or: "Ou, sur votre propre ordinateur, avec le vérificateur en ligne de commande :",
    verify_missing: "La vérification dans ce navigateur n’est pas encore disponible. En attendant, chacun peut vérifier tout le dossier sur son propre ordinateur avec le vérificateur en ligne de commande, qui fait toutes les vérifications (V1–V13) et affiche un rapport.",
    verify_steps: "Étapes", verify_step1: "Téléchargez les fichiers du dossier (la page des résultats les liste) dans un dossier nommé record, en gardant leurs chemins.",
    verify_step2: "Installez le vérificateur (il fait partie du logiciel de l’élection, libre à lire et à compiler).",
    verify_step3: "Lancez, avec l’empreinte publiée par l’autorité électorale :",
    verify_step4: "Chaque vérification doit indiquer « pass ». Le rapport dit aussi ce qui a été prouvé et ce à quoi il faut encore faire confiance.",
  },
};

let current = "en";

/** The language: `?lang=` in the address, else the one chosen before on this site, else the site's default. */
export function pickLanguage(fallback) {
  const asked = new URLSearchParams(location.search).get("lang");
  current = chooseLanguage(TEXTS, [asked, savedLanguage("site-lang"), fallback]);
  document.documentElement.lang = current;
  return current;
}

export function lang() { return current; }

/** The text `key` in the current language, with `{name}` replaced by `vars.name`. */
export function t(key, vars = {}) {
  return lookup(TEXTS, current, key, vars);
}

/** An election text (a manifest title: one string per language) in the current language, else English, else any. */
export function localized(titles) {
  if (!titles) return "";
  return titles[current] ?? titles.en ?? Object.values(titles)[0] ?? "";
}

/** Fills every `[data-t]` element with its text and wires the language menu; `onChange` redraws the rest. */
export function setupLanguage(onChange) {
  const apply = () => {
    translate(TEXTS, current);
    const title = document.querySelector("h1[data-t]");
    if (title) document.title = title.textContent;
  };
  const loading = document.getElementById("loading");
  if (loading) loading.hidden = true;
  const select = document.getElementById("lang");
  select.value = current;
  select.addEventListener("change", () => {
    current = select.value;
    saveLanguage("site-lang", current);
    apply();
    onChange();
  });
  apply();
}

/** Reads a JSON data file (relative to the page); throws a message for people. */
export async function getJson(path) {
  if (location.protocol === "file:") throw new Error(t("file_protocol"));
  let response;
  try {
    response = await fetch(path, { cache: "no-cache" });
  } catch (e) {
    throw new Error(t("load_failed", { what: path, reason: e.message }));
  }
  if (!response.ok) {
    // The collector and the mirror say why in `{"error": {"message"}}` (a mirror's alarm, for one).
    let said = "";
    try { said = (await response.json())?.error?.message ?? ""; } catch { /* not JSON */ }
    throw new Error(t("load_failed", { what: path, reason: said ? `HTTP ${response.status}: ${said}` : `HTTP ${response.status}` }));
  }
  return response.json();
}

/** Starts a page of the site: its language, its data files `paths` (`data/site.json` first), its texts, the
 * fingerprint in its footer; `redraw` redraws the page's own content when the language changes. Returns the files'
 * JSON, in order, or null after saying in #message why a file could not be read. */
export async function startPage(paths, redraw) {
  pickLanguage();
  let data;
  try {
    data = await Promise.all(paths.map((path) => getJson(path)));
  } catch (e) {
    setupLanguage(() => {});
    showError(e.message);
    return null;
  }
  pickLanguage(data[0].lang);
  setupLanguage(redraw);
  liveNav(data[0]);
  document.getElementById("fingerprint").textContent = data[0].election.fingerprint;
  return data;
}

/** Seconds (or an ISO 8601 text) since the epoch as `YYYY-MM-DD HH:MM:SS` UTC. */
export function utc(value) {
  const d = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "");
}

/** Creates an element with attributes and children (text or elements). */
export function el(tag, attrs = {}, ...children) {
  const ns = ["svg", "rect", "title"].includes(tag) ? "http://www.w3.org/2000/svg" : null;
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

/** Shows a message for people in `#message` (role=alert). */
export function showError(message) {
  const box = document.getElementById("message");
  box.textContent = message;
  box.hidden = false;
}

/** The site's pages, in the order of its navigation, with their names' text keys. */
const PAGES = [["index", "nav_home"], ["board", "nav_board"], ["results", "nav_results"], ["verify", "nav_verify"]];
const LANGUAGE_NAMES = { en: "English", et: "Eesti", fr: "Français" };

/** What every page of the site shares above its content, written once here: the language menu in the page's
 * <header> (after its <h1>) and the navigation below it, the current page (<body data-page>) marked. */
function siteChrome() {
  const header = document.querySelector("body > header");
  if (!header || document.getElementById("lang")) return;
  const options = Object.keys(TEXTS).map((l) => el("option", { value: l, lang: l }, LANGUAGE_NAMES[l] ?? l));
  header.append(el("div", { class: "lang" },
    el("label", { for: "lang", "data-t": "language" }, TEXTS.en.language), el("select", { id: "lang" }, ...options)));
  const here = document.body.dataset.page;
  const links = PAGES.map(([name, key]) => el("li", {}, el("a", { href: `${name}.html`, "data-t": key,
    "aria-current": name === here ? "page" : null }, TEXTS.en[key])));
  header.after(el("nav", { id: "nav", "aria-label": TEXTS.en.nav, "data-t-label": "nav" }, el("ul", {}, ...links)));
}
if (typeof document !== "undefined") siteChrome();

/** Hides the site's navigation on a live board (the collector's or a mirror's: no record, no other page yet). */
export function liveNav(site) {
  if (site.source !== "live") return;
  // The board is the only page before the tally: a navigation to itself alone would only repeat its title.
  const nav = document.getElementById("nav");
  if (nav) nav.hidden = true;
}

/** A horizontal bar as SVG: `share` in 0…1 of the width; decorative (the figures are in the table). */
export function bar(share) {
  const w = Math.max(0, Math.min(100, share * 100));
  return el("svg", { viewBox: "0 0 100 10", preserveAspectRatio: "none", class: "bar", "aria-hidden": "true", focusable: "false" },
    el("rect", { x: "0", y: "0", width: "100", height: "10", class: "bar-bg" }),
    el("rect", { x: "0", y: "0", width: w.toFixed(2), height: "10", class: "bar-fg" }));
}
