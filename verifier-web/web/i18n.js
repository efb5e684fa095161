// Interface texts of the in-browser verifier in English, Estonian and French. Every key exists in the three
// languages (tests/browser/verify-record.mjs checks it). The checks' notes and reasons, and the report's words on
// what is proven and what is trusted, are the verifier's own (in English, as “verifier verify” prints them).
export const TEXTS = {
  en: {
    language: "Language", title: "Verify an election record",
    intro: "This page checks the whole election record on this computer, with the same code as the command-line tool “verifier verify”: every ballot, every mix stage, the decryption and the count. Nothing is sent anywhere.",
    record_title: "1. The election record",
    folder_label: "A folder on this computer (the record's folder, the one holding index.json)",
    url_label: "Or the address of a published record (the folder holding index.json)",
    url_help: "Every file that index.json lists is downloaded from there.",
    fp_title: "2. The election fingerprint",
    fp_label: "Election fingerprint (64 hex digits)",
    fp_help: "Copy it from where the election authority published it. It binds every key and the list of voters: with it, this page checks that the record is of that election. Leave it empty to verify without it.",
    verify: "Verify the record", progress_title: "Progress",
    reading: "Reading {n} files…", downloading: "Downloading {done} of {n} files…", loading_module: "Loading the verifier…",
    running: "Checking {id} ({name})… {done} of {total} checks done.",
    done: "Done: {total} checks in {seconds} s.",
    status_pending: "waiting", status_running: "checking…", status_pass: "passed", status_fail: "FAILED", status_not_run: "not run",
    report_title: "Report",
    passed: "The record is verified: all {n} checks passed.",
    passed_unpinned: "All {n} checks passed, but no fingerprint was given: this proves the record is consistent, not that it is of the election you mean. Give the published fingerprint and verify again.",
    failed: "The record is NOT verified: {failed} failed. Do not trust its result; tell the election officials and keep this report.",
    col_id: "Check", col_name: "What", col_result: "Result", col_detail: "Detail", col_time: "Time",
    waits_for: "waits for {ids}",
    election_title: "Election", election_id: "Election", fingerprint: "Fingerprint",
    proven_title: "What these checks prove", trusted_title: "What must still be trusted",
    english_note: "The details are the verifier's own words, in English.",
    download: "Download the report (JSON)",
    no_record: "Choose the record's folder, or give the address of a published record.",
    bad_url: "This address cannot be used ({reason}). Give the address of the folder holding index.json, for example https://example.org/record/.",
    fetch_failed: "{what} could not be downloaded ({reason}). Check the address and your connection, and try again.",
    no_worker: "This browser cannot run the verifier (no Web Worker or WebAssembly). Use a recent browser, or run “verifier verify” on a computer.",
    bad_fp: "The fingerprint is not right: {reason}. Copy all 64 digits as published.",
    failed_run: "The verifier stopped ({reason}). Reload the page and try again.",
    fp_from_link: "The fingerprint was given in the link that opened this page: compare it with the one the election authority published.",
    checks: { V1: "record integrity", V2: "election", V3: "key ceremony", V4: "credential registry", V5: "ballot log",
      V6: "ballots", V7: "one ballot per voter (squash)", V8: "revocations", V9: "mix input", V10: "mix",
      V11: "decryption", V12: "decoding", V13: "count" },
  },
  et: {
    language: "Keel", title: "Valimiskirje kontrollimine",
    intro: "See leht kontrollib kogu valimiskirjet selles arvutis sama koodiga, mida kasutab käsureatööriist “verifier verify”: iga sedelit, iga segamisetappi, dekrüpteerimist ja loendamist. Midagi ei saadeta kuhugi.",
    record_title: "1. Valimiskirje",
    folder_label: "Kaust selles arvutis (valimiskirje kaust, milles on index.json)",
    url_label: "Või avaldatud valimiskirje aadress (kaust, milles on index.json)",
    url_help: "Sealt laaditakse alla iga fail, mille index.json loetleb.",
    fp_title: "2. Valimiste sõrmejälg",
    fp_label: "Valimiste sõrmejälg (64 kuueteistkümnendnumbrit)",
    fp_help: "Kopeerige see sealt, kus valimiste korraldaja selle avaldas. See seob kõik võtmed ja valijate nimekirja: selle abil kontrollib leht, et valimiskirje on nende valimiste oma. Jätke tühjaks, et kontrollida ilma selleta.",
    verify: "Kontrolli valimiskirjet", progress_title: "Edenemine",
    reading: "Loen {n} faili…", downloading: "Laadin alla {done} faili {n}-st…", loading_module: "Laadin kontrollijat…",
    running: "Kontrollin: {id} ({name})… {done} kontrolli {total}-st tehtud.",
    done: "Valmis: {total} kontrolli {seconds} sekundiga.",
    status_pending: "ootab", status_running: "kontrollin…", status_pass: "korras", status_fail: "EBAÕNNESTUS", status_not_run: "ei tehtud",
    report_title: "Aruanne",
    passed: "Valimiskirje on kontrollitud: kõik {n} kontrolli läbiti.",
    passed_unpinned: "Kõik {n} kontrolli läbiti, kuid sõrmejälge ei antud: see tõendab, et valimiskirje on sisemiselt kooskõlas, mitte et see on nende valimiste oma, mida silmas peate. Sisestage avaldatud sõrmejälg ja kontrollige uuesti.",
    failed: "Valimiskirje EI OLE kontrollitud: {failed} ebaõnnestus. Ärge usaldage selle tulemust; teatage valimiste korraldajatele ja hoidke see aruanne alles.",
    col_id: "Kontroll", col_name: "Mida", col_result: "Tulemus", col_detail: "Üksikasjad", col_time: "Aeg",
    waits_for: "ootab kontrolle {ids}",
    election_title: "Valimised", election_id: "Valimised", fingerprint: "Sõrmejälg",
    proven_title: "Mida need kontrollid tõendavad", trusted_title: "Mida tuleb endiselt usaldada",
    english_note: "Üksikasjad on kontrollija enda sõnad, inglise keeles.",
    download: "Laadi aruanne alla (JSON)",
    no_record: "Valige valimiskirje kaust või sisestage avaldatud valimiskirje aadress.",
    bad_url: "Seda aadressi ei saa kasutada ({reason}). Sisestage kausta aadress, milles on index.json, näiteks https://example.org/record/.",
    fetch_failed: "Faili {what} ei saanud alla laadida ({reason}). Kontrollige aadressi ja ühendust ning proovige uuesti.",
    no_worker: "See brauser ei saa kontrollijat käivitada (Web Worker või WebAssembly puudub). Kasutage uuemat brauserit või käivitage arvutis “verifier verify”.",
    bad_fp: "Sõrmejälg pole õige: {reason}. Kopeerige kõik 64 numbrit nii, nagu need avaldati.",
    failed_run: "Kontrollija peatus ({reason}). Laadige leht uuesti ja proovige uuesti.",
    fp_from_link: "Sõrmejälg anti lingis, mis selle lehe avas: võrrelge seda valimiste korraldaja avaldatud sõrmejäljega.",
    checks: { V1: "valimiskirje terviklus", V2: "valimised", V3: "võtmetseremoonia", V4: "valijatunnuste register", V5: "sedelilogi",
      V6: "sedelid", V7: "üks sedel valija kohta", V8: "tühistamised", V9: "segamise sisend", V10: "segamine",
      V11: "dekrüpteerimine", V12: "dekodeerimine", V13: "loendamine" },
  },
  fr: {
    language: "Langue", title: "Vérifier le dossier d’une élection",
    intro: "Cette page vérifie tout le dossier de l’élection sur cet ordinateur, avec le même code que l’outil en ligne de commande “verifier verify” : chaque bulletin, chaque étape du mélange, le déchiffrement et le décompte. Rien n’est envoyé nulle part.",
    record_title: "1. Le dossier de l’élection",
    folder_label: "Un dossier sur cet ordinateur (le dossier de l’élection, celui qui contient index.json)",
    url_label: "Ou l’adresse d’un dossier publié (le dossier qui contient index.json)",
    url_help: "Chaque fichier listé par index.json y est téléchargé.",
    fp_title: "2. L’empreinte de l’élection",
    fp_label: "Empreinte de l’élection (64 chiffres hexadécimaux)",
    fp_help: "Copiez-la depuis la publication de l’autorité électorale. Elle lie toutes les clés et la liste des électeurs : avec elle, cette page vérifie que le dossier est bien celui de cette élection. Laissez vide pour vérifier sans elle.",
    verify: "Vérifier le dossier", progress_title: "Progression",
    reading: "Lecture de {n} fichiers…", downloading: "Téléchargement de {done} fichiers sur {n}…", loading_module: "Chargement du vérificateur…",
    running: "Vérification {id} ({name})… {done} vérifications sur {total} faites.",
    done: "Terminé : {total} vérifications en {seconds} s.",
    status_pending: "en attente", status_running: "en cours…", status_pass: "réussie", status_fail: "ÉCHEC", status_not_run: "non faite",
    report_title: "Rapport",
    passed: "Le dossier est vérifié : les {n} vérifications ont réussi.",
    passed_unpinned: "Les {n} vérifications ont réussi, mais aucune empreinte n’a été donnée : cela prouve que le dossier est cohérent, pas qu’il est celui de l’élection que vous visez. Donnez l’empreinte publiée et vérifiez à nouveau.",
    failed: "Le dossier n’est PAS vérifié : {failed} en échec. Ne vous fiez pas à son résultat ; prévenez les responsables de l’élection et gardez ce rapport.",
    col_id: "Vérification", col_name: "Quoi", col_result: "Résultat", col_detail: "Détail", col_time: "Durée",
    waits_for: "attend {ids}",
    election_title: "Élection", election_id: "Élection", fingerprint: "Empreinte",
    proven_title: "Ce que ces vérifications prouvent", trusted_title: "Ce qu’il faut encore croire sur parole",
    english_note: "Les détails sont les mots du vérificateur lui-même, en anglais.",
    download: "Télécharger le rapport (JSON)",
    no_record: "Choisissez le dossier de l’élection, ou donnez l’adresse d’un dossier publié.",
    bad_url: "Cette adresse ne peut pas servir ({reason}). Donnez l’adresse du dossier qui contient index.json, par exemple https://example.org/record/.",
    fetch_failed: "{what} n’a pas pu être téléchargé ({reason}). Vérifiez l’adresse et votre connexion, puis réessayez.",
    no_worker: "Ce navigateur ne peut pas exécuter le vérificateur (pas de Web Worker ni de WebAssembly). Utilisez un navigateur récent, ou lancez “verifier verify” sur un ordinateur.",
    bad_fp: "L’empreinte n’est pas correcte : {reason}. Copiez les 64 chiffres tels que publiés.",
    failed_run: "Le vérificateur s’est arrêté ({reason}). Rechargez la page et réessayez.",
    fp_from_link: "L’empreinte vient du lien qui a ouvert cette page : comparez-la avec celle publiée par l’autorité électorale.",
    checks: { V1: "intégrité du dossier", V2: "élection", V3: "cérémonie des clés", V4: "registre des identifiants", V5: "journal des bulletins",
      V6: "bulletins", V7: "un bulletin par électeur", V8: "révocations", V9: "entrée du mélange", V10: "mélange",
      V11: "déchiffrement", V12: "décodage", V13: "décompte" },
  },
};

/** The checks of “verifier verify”, in order (SPEC.md §14.4). */
export const CHECKS = ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "V11", "V12", "V13"];

export function pickLanguage() {
  const saved = localStorage.getItem("lang");
  if (saved && TEXTS[saved]) return saved;
  const nav = (navigator.language || "en").slice(0, 2);
  return TEXTS[nav] ? nav : "en";
}

/** The text `key` (dotted for nested ones) in `lang` (English if missing), with `{name}` filled from `vars`. */
export function t(lang, key, vars = {}) {
  const parts = key.split(".");
  let v = TEXTS[lang];
  for (const p of parts) v = v && v[p];
  if (typeof v !== "string") v = parts.reduce((o, p) => o && o[p], TEXTS.en) || key;
  return v.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}

/** Fills every element with a data-t attribute, and the page's language. */
export function translatePage(lang) {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(lang, el.dataset.t);
}
