// Interface texts in English, Estonian and French. Election texts come from the manifest.
export const TEXTS = {
  en: {
    language: "Language", fingerprint: "Election fingerprint", module: "Voting module SHA-256",
    loading: "Loading the election…", credential_title: "Your voting credential",
    credential_help: "Load the credential file you received, or type its 64-character code.",
    credential_file: "Credential file", credential_code: "Credential code", continue: "Continue", back: "Back",
    next: "Next", review: "Review your choices", encrypt: "Encrypt my ballot",
    choose_one: "Choose one.", choose_between: "Choose between {min} and {max}.", rank_up_to: "Rank up to {n} candidates, 1 = most preferred.",
    rank: "Rank {n}", none: "(none)", write_in: "Write-in candidate", blank: "(blank)",
    encrypted_title: "Your ballot is encrypted", tracker: "Ballot tracker",
    encrypted_help: "You may cast it now, or first challenge it: the ballot is then opened so that you can check, on another device, that it contains your choices. A challenged ballot is thrown away and you encrypt again.",
    cast: "Cast this ballot", challenge: "Challenge (check the encryption)",
    challenge_title: "Challenged ballot (not cast)",
    challenge_help: "This ballot was opened and never signed: it can never be cast or counted. Scan the code with another device: it must show the choices below and the tracker {tracker}, the one shown before you challenged. If it does not, do not vote on this device and tell the election officials. Then encrypt again: your vote gets a new encryption.",
    challenge_link: "Or check it in a new tab of this browser",
    mirror_ok: "The independent copy of the ballot log at {where} confirms it: your ballot is number {i} of {n} there, under a head the collector signed.",
    mirror_superseded: "The independent copy of the ballot log at {where} shows a later ballot cast with your credential (number {later}): only the last ballot counts. If you did not vote again, tell the election officials.",
    mirror_warning: "Warning: the independent copy of the ballot log at {where} does not confirm the collector's answer ({reason}). Keep this page open or take a screenshot, and tell the election officials.",
    mirror_none: "This page was served by the collector, so it was not checked against an independent copy of the ballot log. For that, open the verification page of the election's mirror (listed by the election officials) and scan the code there.",
    challenge_tracker: "The challenged ballot had tracker {tracker}: compare it with the tracker the voting page showed before you challenged. If they differ, or these are not your choices, do not vote with that device and tell the election officials.",
    encrypt_again: "Encrypt again", cast_title: "Your ballot is cast", leaf_index: "Position in the public ballot log",
    receipt_download: "Download the receipt", second_device: "Check with a second device",
    second_device_help: "Scan this code with another device within {minutes} minutes to see the choices your ballot contains. Do not share it: it reveals your vote.",
    revote_help: "You may vote again until the election closes: only your last ballot counts. If you vote on paper, your electronic votes are cancelled.",
    vote_again: "Vote again", your_choices: "Choices in the ballot", invalid: "invalid",
    verify_title: "Check a ballot", verify_help: "Paste the code from the QR code shown after casting (or challenging) a ballot.",
    verify_code: "Code", check: "Check", receipt_checking: "Checking the receipt against the public ballot log…",
    receipt_in_log: "Your ballot {tracker} is in the public ballot log: leaf {i} of {n}. Checked on this device: the collector's signature, the inclusion proof, and that today's log extends the receipt's.",
    receipt_warning: "Warning: this receipt could not be verified ({reason}). Keep the receipt file and report this to the election officials.",
    receipt_import_title: "Check a saved receipt", receipt_file: "Receipt file",
    receipt_import_help: "Load the receipt file you downloaded after casting to check that your ballot is still in the public ballot log. It reveals nothing about your vote.",
    fetches_left: "Checks left for this ballot: {n}",
    errors: {
      network: "The collector cannot be reached. Check your connection and try again; nothing was cast.",
      log_unreachable: "the public ballot log cannot be reached; try again later",
      credential: "This credential is not valid: it must be 64 hexadecimal characters.",
    },
  },
  et: {
    language: "Keel", fingerprint: "Valimiste sõrmejälg", module: "Hääletusmooduli SHA-256",
    loading: "Valimiste laadimine…", credential_title: "Teie hääletamistunnus",
    credential_help: "Laadige saadud tunnusefail või sisestage selle 64-märgiline kood.",
    credential_file: "Tunnusefail", credential_code: "Tunnuse kood", continue: "Jätka", back: "Tagasi",
    next: "Edasi", review: "Vaadake valikud üle", encrypt: "Krüpteeri minu sedel",
    choose_one: "Valige üks.", choose_between: "Valige {min} kuni {max}.", rank_up_to: "Järjestage kuni {n} kandidaati, 1 = eelistatuim.",
    rank: "Koht {n}", none: "(puudub)", write_in: "Sisse kirjutatud kandidaat", blank: "(tühi)",
    encrypted_title: "Teie sedel on krüpteeritud", tracker: "Sedeli jälgimiskood",
    encrypted_help: "Võite selle kohe ära anda või enne kontrollida: siis sedel avatakse ja saate teises seadmes veenduda, et see sisaldab teie valikuid. Kontrollitud sedel visatakse ära ja krüpteerite uuesti.",
    cast: "Anna sedel ära", challenge: "Kontrolli krüpteerimist",
    challenge_title: "Kontrollitud sedel (ära andmata)",
    challenge_help: "See sedel on avatud ja seda pole allkirjastatud: seda ei saa kunagi ära anda ega lugeda. Skannige kood teise seadmega: see peab näitama allolevaid valikuid ja jälgimiskoodi {tracker}, mida näidati enne kontrollimist. Kui nii ei ole, ärge hääletage selles seadmes ja teatage valimiste korraldajatele. Seejärel krüpteerige uuesti: teie hääl krüpteeritakse uuesti.",
    challenge_link: "Või kontrollige seda selle brauseri uuel vahekaardil",
    mirror_ok: "Hääletuslogi sõltumatu koopia aadressil {where} kinnitab seda: teie sedel on seal number {i}/{n}, koguja allkirjastatud päise all.",
    mirror_superseded: "Hääletuslogi sõltumatu koopia aadressil {where} näitab hilisemat sedelit teie tunnusega (number {later}): loeb ainult viimane sedel. Kui te uuesti ei hääletanud, teatage valimiste korraldajatele.",
    mirror_warning: "Hoiatus: hääletuslogi sõltumatu koopia aadressil {where} ei kinnita koguja vastust ({reason}). Jätke see leht avatuks või tehke kuvatõmmis ja teatage valimiste korraldajatele.",
    mirror_none: "Selle lehe edastas koguja, seega ei kontrollitud seda hääletuslogi sõltumatu koopia vastu. Selleks avage valimiste peegelserveri kontrolllehekülg (selle aadressi teatavad valimiste korraldajad) ja skannige kood seal.",
    challenge_tracker: "Kontrollitud sedeli jälgimiskood oli {tracker}: võrrelge seda koodiga, mida hääletusleht näitas enne kontrollimist. Kui need erinevad või need pole teie valikud, ärge hääletage selle seadmega ja teatage valimiste korraldajatele.",
    encrypt_again: "Krüpteeri uuesti", cast_title: "Teie sedel on ära antud", leaf_index: "Asukoht avalikus sedelilogis",
    receipt_download: "Laadi kviitung alla", second_device: "Kontrolli teise seadmega",
    second_device_help: "Skannige see kood teise seadmega {minutes} minuti jooksul, et näha sedelis olevaid valikuid. Ärge jagage seda: see paljastab teie hääle.",
    revote_help: "Võite uuesti hääletada kuni valimiste lõpuni: arvesse läheb ainult viimane sedel. Paberil hääletamine tühistab e-hääled.",
    vote_again: "Hääleta uuesti", your_choices: "Sedelis olevad valikud", invalid: "kehtetu",
    verify_title: "Sedeli kontroll", verify_help: "Kleepige pärast sedeli äraandmist (või kontrollimist) näidatud QR-koodi sisu.",
    verify_code: "Kood", check: "Kontrolli", receipt_checking: "Kviitungi kontrollimine avaliku sedelilogi vastu…",
    receipt_in_log: "Teie sedel {tracker} on avalikus sedelilogis: leht {i}/{n}. Selles seadmes kontrolliti kogumisteenuse allkirja, kaasatuse tõestust ja et praegune logi jätkab kviitungi oma.",
    receipt_warning: "Hoiatus: seda kviitungit ei õnnestunud kontrollida ({reason}). Hoidke kviitungifail alles ja teatage sellest valimiskomisjonile.",
    receipt_import_title: "Kontrolli salvestatud kviitungit", receipt_file: "Kviitungifail",
    receipt_import_help: "Laadige pärast hääletamist alla laaditud kviitungifail, et kontrollida, kas teie sedel on endiselt avalikus sedelilogis. See ei paljasta teie häält.",
    fetches_left: "Selle sedeli kontrolle jäänud: {n}",
    errors: {
      network: "Kogumisteenusega ei saa ühendust. Kontrollige ühendust ja proovige uuesti; midagi ei antud ära.",
      log_unreachable: "avalikku sedelilogi ei saa kätte; proovige hiljem uuesti",
      credential: "See tunnus ei kehti: see peab olema 64 kuueteistkümnendsüsteemi märki.",
    },
  },
  fr: {
    language: "Langue", fingerprint: "Empreinte de l’élection", module: "SHA-256 du module de vote",
    loading: "Chargement de l’élection…", credential_title: "Votre identifiant de vote",
    credential_help: "Chargez le fichier d’identifiant reçu, ou saisissez son code de 64 caractères.",
    credential_file: "Fichier d’identifiant", credential_code: "Code d’identifiant", continue: "Continuer", back: "Retour",
    next: "Suivant", review: "Vérifiez vos choix", encrypt: "Chiffrer mon bulletin",
    choose_one: "Choisissez-en un.", choose_between: "Choisissez entre {min} et {max}.", rank_up_to: "Classez jusqu’à {n} candidats, 1 = préféré.",
    rank: "Rang {n}", none: "(aucun)", write_in: "Candidat inscrit à la main", blank: "(blanc)",
    encrypted_title: "Votre bulletin est chiffré", tracker: "Code de suivi du bulletin",
    encrypted_help: "Vous pouvez le déposer maintenant, ou d’abord le contester : le bulletin est alors ouvert pour que vous vérifiiez, sur un autre appareil, qu’il contient vos choix. Un bulletin contesté est jeté et vous chiffrez à nouveau.",
    cast: "Déposer ce bulletin", challenge: "Contester (vérifier le chiffrement)",
    challenge_title: "Bulletin contesté (non déposé)",
    challenge_help: "Ce bulletin a été ouvert et n’a jamais été signé : il ne peut jamais être déposé ni compté. Scannez le code avec un autre appareil : il doit afficher les choix ci-dessous et le code de suivi {tracker}, celui affiché avant la contestation. Sinon, ne votez pas sur cet appareil et prévenez les responsables de l’élection. Puis chiffrez à nouveau : votre vote sera chiffré de nouveau.",
    challenge_link: "Ou vérifiez-le dans un nouvel onglet de ce navigateur",
    mirror_ok: "La copie indépendante du registre des bulletins à {where} le confirme : votre bulletin y est le numéro {i} sur {n}, sous un en-tête signé par le collecteur.",
    mirror_superseded: "La copie indépendante du registre des bulletins à {where} montre un bulletin plus récent déposé avec votre identifiant (numéro {later}) : seul le dernier bulletin compte. Si vous n’avez pas revoté, prévenez les responsables de l’élection.",
    mirror_warning: "Attention : la copie indépendante du registre des bulletins à {where} ne confirme pas la réponse du collecteur ({reason}). Gardez cette page ouverte ou faites une capture d’écran, et prévenez les responsables de l’élection.",
    mirror_none: "Cette page a été servie par le collecteur : elle n’a donc pas été vérifiée auprès d’une copie indépendante du registre. Pour cela, ouvrez la page de vérification du miroir de l’élection (indiqué par les responsables de l’élection) et scannez-y le code.",
    challenge_tracker: "Le bulletin contesté avait le code de suivi {tracker} : comparez-le avec celui que la page de vote affichait avant la contestation. S’ils diffèrent, ou si ce ne sont pas vos choix, ne votez pas avec cet appareil et prévenez les responsables de l’élection.",
    encrypt_again: "Chiffrer à nouveau", cast_title: "Votre bulletin est déposé", leaf_index: "Position dans le registre public des bulletins",
    receipt_download: "Télécharger le reçu", second_device: "Vérifier avec un second appareil",
    second_device_help: "Scannez ce code avec un autre appareil dans les {minutes} minutes pour voir les choix contenus dans votre bulletin. Ne le partagez pas : il révèle votre vote.",
    revote_help: "Vous pouvez voter à nouveau jusqu’à la clôture : seul votre dernier bulletin compte. Un vote papier annule vos votes électroniques.",
    vote_again: "Voter à nouveau", your_choices: "Choix contenus dans le bulletin", invalid: "invalide",
    verify_title: "Vérifier un bulletin", verify_help: "Collez le code du QR code affiché après le dépôt (ou la contestation) d’un bulletin.",
    verify_code: "Code", check: "Vérifier", receipt_checking: "Vérification du reçu auprès du registre public des bulletins…",
    receipt_in_log: "Votre bulletin {tracker} est dans le registre public des bulletins : feuille {i} sur {n}. Vérifié sur cet appareil : la signature du collecteur, la preuve d’inclusion, et que le registre actuel prolonge celui du reçu.",
    receipt_warning: "Attention : ce reçu n’a pas pu être vérifié ({reason}). Conservez le fichier du reçu et signalez-le aux responsables de l’élection.",
    receipt_import_title: "Vérifier un reçu enregistré", receipt_file: "Fichier du reçu",
    receipt_import_help: "Chargez le fichier du reçu téléchargé après le dépôt pour vérifier que votre bulletin est toujours dans le registre public. Il ne révèle rien de votre vote.",
    fetches_left: "Vérifications restantes pour ce bulletin : {n}",
    errors: {
      network: "Le collecteur est injoignable. Vérifiez votre connexion et réessayez ; rien n’a été déposé.",
      log_unreachable: "le registre public des bulletins est injoignable ; réessayez plus tard",
      credential: "Cet identifiant n’est pas valide : il doit comporter 64 caractères hexadécimaux.",
    },
  },
};

export function pickLanguage() {
  const saved = localStorage.getItem("lang");
  if (saved && TEXTS[saved]) return saved;
  const nav = (navigator.language || "en").slice(0, 2);
  return TEXTS[nav] ? nav : "en";
}

export function t(lang, key, vars = {}) {
  const parts = key.split(".");
  let v = TEXTS[lang];
  for (const p of parts) v = v && v[p];
  if (typeof v !== "string") v = parts.reduce((o, p) => o && o[p], TEXTS.en) || key;
  return v.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}

/** A manifest text in the chosen language, else English, else the first one. */
export function local(texts, lang) {
  return texts[lang] ?? texts.en ?? Object.values(texts)[0] ?? "";
}

/** Fills every element with a data-t attribute. */
export function translatePage(lang) {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(lang, el.dataset.t);
}

/** Lists each contest's answer (`{Ok: answer}` or `{Err: …}`) as text in a <dl>: the review, the challenge and
 * the second device all show choices this way. */
export function renderChoices(dl, manifest, answers, lang) {
  dl.replaceChildren();
  manifest.contests.forEach((contest, i) => {
    const dt = document.createElement("dt");
    dt.textContent = local(contest.title, lang);
    const dd = document.createElement("dd");
    const a = answers[i];
    if (!a || !a.Ok) dd.textContent = t(lang, "invalid");
    else if (a.Ok.selections.length === 0) dd.textContent = t(lang, "blank");
    else {
      dd.textContent = a.Ok.selections
        .map((s, k) => (contest.kind.type === "ranked" ? `${k + 1}. ` : "") +
          (s.write_in !== undefined ? `${s.write_in} (${t(lang, "write_in")})` : local(contest.options[s.option].title, lang)))
        .join(", ");
    }
    dl.append(dt, dd);
  });
}
