// Interface texts in English, Estonian and French, and how the pages turn codes (the collector's error codes, the
// module's refusals) into them. Election texts come from the manifest. Every key exists in the three languages
// (tests/browser/vote.mjs checks it). The lookup itself is every page's (i18n-core.js, copied here from
// web-assets/web by scripts/build-web.sh).
import { lookup, chooseLanguage, savedLanguage, browserLanguage, translate } from "./i18n-core.js";

export const TEXTS = {
  en: {
    language: "Language", fingerprint: "Election fingerprint", module: "Voting module SHA-256",
    vote_title: "Vote", loading: "Loading the election…", retry: "Try again",
    period_open: "Voting is open from {opens} to {closes}.",
    period_not_open: "Voting has not started: it is open from {opens} to {closes}.",
    period_closed: "Voting is closed: it was open from {opens} to {closes}.",
    closed_title_not_open: "Voting has not started yet", closed_title_closed: "Voting is closed",
    closed_title_open: "Voting is open",
    closed_help_not_open: "You can vote from {opens}. Come back to this page then, with your credential.",
    closed_help_closed: "Ballots could be cast until {closes}; no ballot can be cast now. The election officials will publish the result and the election record.",
    closed_help_open: "",
    credential_title: "Your voting credential",
    credential_help: "Type the credential printed on your letter, or load the credential file you received. Nobody else must see it: it lets you vote.",
    credential_code: "Credential", credential_format: "56 letters and digits in groups of 4, like 7K3M-Q9TX-… (dashes, spaces and small or capital letters do not matter).",
    credential_file: "Or load the credential file", continue: "Continue", back: "Back", next: "Next",
    contest_position: "Question {i} of {n}",
    your_district: "Your district: {name}",
    ballot_district: "This is a ballot of district {name}, with that district's questions.",
    review: "Review your choices", encrypt: "Encrypt my ballot",
    choose_one: "Choose one.", choose_between: "Choose between {min} and {max}.", rank_up_to: "Rank up to {n} candidates, 1 = most preferred.",
    grade_each: "Give every option a grade.", choose_one_of_lists: "Choose one candidate. Your vote also counts for the candidate's list.",
    rank: "Rank {n}", none: "(none)", write_in: "Write-in candidate", blank: "(blank)",
    write_in_label: "Name of the write-in candidate (if you choose one)",
    write_in_left: "{left} of {max} bytes left (most letters take 1 byte, letters with accents 2).",
    write_in_over: "{over} bytes too long: at most {max} bytes (most letters take 1 byte, letters with accents 2).",
    encrypted_title: "Your ballot is encrypted", tracker: "Ballot tracker",
    encrypted_help: "You may cast it now, or first challenge it: the ballot is then opened so that you can check, on another device, that it contains your choices. A challenged ballot is thrown away and you encrypt again.",
    cast: "Cast this ballot", challenge: "Challenge (check the encryption)", casting: "Sending your ballot…",
    challenge_title: "Challenged ballot (not cast)",
    challenge_help: "This ballot was opened and never signed: it can never be cast or counted. Scan the code with another device: it must show the choices below and the tracker {tracker}, the one shown before you challenged. If it does not, do not vote on this device and tell the election officials. Then encrypt again: your vote gets a new encryption.",
    challenge_link: "Or check it in a new tab of this browser",
    qr_challenge: "QR code to check the challenged ballot on another device",
    qr_cast: "QR code to see your ballot's choices on another device",
    mirror_ok: "The independent copy of the ballot log at {where} confirms it: your ballot is number {i} of {n} there, under a head the collector signed.",
    mirror_superseded: "The independent copy of the ballot log at {where} shows a later ballot cast with your credential (number {later}): only the last ballot counts. If you did not vote again, tell the election officials.",
    mirror_warning: "Warning: the independent copy of the ballot log at {where} does not confirm the collector's answer ({reason}). Keep this page open or take a screenshot, and tell the election officials.",
    mirror_none: "This page was served by the collector, so it was not checked against an independent copy of the ballot log. For that, open the verification page of the election's mirror (listed by the election officials) and scan the code there.",
    challenge_tracker: "The challenged ballot had tracker {tracker}: compare it with the tracker the voting page showed before you challenged. If they differ, or these are not your choices, do not vote with that device and tell the election officials.",
    encrypt_again: "Encrypt again", cast_title: "Your ballot is cast", cast_title_revote: "Your new ballot is cast",
    revote_notice: "You are voting again: the ballot you cast now will replace your earlier ballot.",
    cast_replaces: "This ballot replaces your earlier ballot: only this one will be counted.",
    recorded_title: "What was recorded", keep_title: "Keep your ballot's tracker",
    keep_help: "Write this tracker down or download the receipt. It does not reveal how you voted; it lets you find your ballot in the public ballot box.",
    counted_title: "Check that it was counted",
    counted_help: "After voting closes ({closes}), the election officials publish the result and the election record, with the ballot box that was counted. Your tracker {tracker} must be in it: load your receipt on the check page, or ask an observer you trust to run the verifier on the record.",
    counted_link: "Open the check page", details: "Technical details",
    leaf_index: "Leaf index in the ballot log (counted from 0)",
    technical_help: "The receipt is signed by the collector; this page checked the signature, the inclusion proof of the ballot in the Merkle tree of the log, and the consistency proof that today's log extends the receipt's.",
    cast_link: "Or open the check in this browser",
    receipt_download: "Download the receipt", second_device: "See your choices on a second device",
    second_device_help: "Scan this code with another device (a phone) within {minutes} minutes: it shows the choices your ballot contains. If they are not your choices, vote again from another device and tell the election officials. Do not share the code: it reveals your vote.",
    revote_title: "Voting again",
    revote_help: "You may vote again until the election closes: only your last ballot counts. If you vote on paper, your electronic votes are cancelled.",
    vote_again: "Vote again", your_choices: "Choices in the ballot", invalid: "invalid",
    verify_title: "Check a ballot", verify_help: "Paste the code from the QR code shown after casting (or challenging) a ballot.",
    verify_enter_title: "Check a code", verify_code: "Code", check: "Check", receipt_checking: "Checking the receipt against the public ballot box…",
    receipt_in_log: "Your ballot {tracker} is in the public ballot box: ballot {i} of {n}. This device checked the collector's signed receipt and that the ballot box still holds your ballot.",
    receipt_warning: "Warning: this receipt could not be verified ({reason}). Keep the receipt file and report this to the election officials.",
    receipt_import_title: "Check a saved receipt", receipt_file: "Receipt file",
    receipt_import_help: "Load the receipt file you downloaded after casting to check that your ballot is still in the public ballot box. It reveals nothing about your vote.",
    fetches_left: "Checks left for this ballot: {n}",
    verdict_cast: "Your ballot was found in the ballot box and opened on this device. It contains the choices below.",
    verdict_not_yours: "If these are not the choices you made: vote again from another device (only your last ballot counts), and tell the election officials.",
    verdict_challenge: "The challenged ballot was rebuilt on this device from its code. It contains the choices below.",
    errors: {
      network: "The collector cannot be reached. Check your internet connection and try again (sending the same ballot again is safe).",
      log_unreachable: "the public ballot log cannot be reached; try again later",
      unexpected: "Something went wrong on this page ({reason}). Reload the page and try again; if it happens again, tell the election officials.",
      no_district: "The collector's list of voters gives this credential no district of this election, so this page cannot show your ballot. Reload the page and try again; if it happens again, tell the election officials.",
      credential_length: "This credential has {found} characters; it must have {expected} (not counting dashes and spaces). Check that you typed all of it.",
      credential_character: "Character {position} (“{character}”) cannot be in a credential: a credential has only digits and the letters A to Z except U. Check what you typed.",
      credential_check: "This credential is not right: a character is mistyped, or two characters are swapped. Compare it carefully with your letter.",
      server_5xx: "The collector has a problem (HTTP {status}). Wait a minute and try again (sending the same ballot again is safe).",
      server_4xx: "The collector refused the request ({code}). Reload the page and try again; if it happens again, tell the election officials.",
      server: {
        election_closed: "Voting is closed: your ballot was not accepted. The election officials will publish the result.",
        election_not_open: "Voting has not started yet: your ballot was not accepted. Come back when voting opens.",
        overloaded: "The collector is busy right now: your ballot was not stored. Wait a few seconds and try again.",
        storage_unavailable: "The ballot box is unavailable right now: your ballot was not stored. Wait a minute and try again.",
        outcome_unknown: "The collector could not confirm whether your ballot was stored. Try again: sending the same ballot twice is safe.",
        timeout: "The collector took too long to answer. Try again in a minute.",
        request_timeout: "Sending your ballot took too long. Check your connection and try again.",
        rate_limited: "Too many ballots were sent with this credential in the last minute. Wait a minute and try again.",
        unknown_credential: "This credential is not on the list of voters. Check that you typed the credential from your own letter; if it is right, contact the election officials.",
        wrong_election: "This page is for another election than the collector's. Reload the page and try again.",
        bad_signature: "The ballot's signature was refused. Reload the page, type your credential again and vote again.",
        bad_proof: "The ballot was refused as malformed. Reload the page and vote again; if it happens again, use another device and tell the election officials.",
        wrong_shape: "The ballot was refused as malformed. Reload the page and vote again; if it happens again, tell the election officials.",
        invalid_ballot: "The ballot was refused as malformed. Reload the page and vote again; if it happens again, tell the election officials.",
        malformed_json: "The ballot was refused as malformed. Reload the page and vote again; if it happens again, tell the election officials.",
        body_too_large: "The ballot is too large for the collector. Tell the election officials.",
        unsupported_media_type: "The collector refused the request. Reload the page and try again.",
        ballot_not_found: "No ballot with this code is in the ballot box. Check that you scanned the code shown after casting.",
        verification_expired: "The time to check this ballot with a second device is over. Your receipt can still be checked below.",
        fetch_not_authorized: "This code does not open this ballot. Scan the code again.",
        verification_limit_reached: "This ballot has been checked as many times as allowed. Your receipt can still be checked below.",
        invalid_ballot_id: "This code is not valid. Scan the code again.",
        internal: "The collector has an internal problem. Wait a minute and try again; if it happens again, tell the election officials.",
      },
    },
    choice_errors: {
      rank_gap: "Fill the ranks from 1 without gaps.",
      ungraded: "Give every option a grade: one has none yet.",
      ranked_twice: "Each candidate can be ranked only once.",
      write_in_empty: "You chose a write-in candidate: type the name in the box, or remove that choice.",
      write_in_long: "The write-in name is too long: at most {max} bytes.",
      count_one: "Choose one.",
      count: "Choose between {min} and {max}.",
      not_a_choice: "One of the choices is not on this ballot. Reload the page and try again.",
      invalid: "These choices are not valid for this question. Check them and try again.",
    },
  },
  et: {
    language: "Keel", fingerprint: "Valimiste sõrmejälg", module: "Hääletusmooduli SHA-256",
    vote_title: "Hääletamine", loading: "Valimiste laadimine…", retry: "Proovi uuesti",
    period_open: "Hääletada saab {opens} kuni {closes}.",
    period_not_open: "Hääletamine pole alanud: hääletada saab {opens} kuni {closes}.",
    period_closed: "Hääletamine on lõppenud: hääletada sai {opens} kuni {closes}.",
    closed_title_not_open: "Hääletamine pole veel alanud", closed_title_closed: "Hääletamine on lõppenud",
    closed_title_open: "Hääletamine käib",
    closed_help_not_open: "Hääletada saate alates {opens}. Tulge siis oma tunnusega sellele lehele tagasi.",
    closed_help_closed: "Sedeleid sai ära anda kuni {closes}; praegu ei saa sedelit ära anda. Valimiste korraldajad avaldavad tulemuse ja valimiste kirje.",
    closed_help_open: "",
    credential_title: "Teie hääletamistunnus",
    credential_help: "Sisestage kirjale trükitud tunnus või laadige saadud tunnusefail. Keegi teine ei tohi seda näha: sellega saab hääletada.",
    credential_code: "Tunnus", credential_format: "56 tähte ja numbrit neljakaupa, nt 7K3M-Q9TX-… (kriipsud, tühikud ning väikesed või suured tähed ei loe).",
    credential_file: "Või laadige tunnusefail", continue: "Jätka", back: "Tagasi", next: "Edasi",
    contest_position: "Küsimus {i}/{n}",
    your_district: "Teie ringkond: {name}",
    ballot_district: "See on ringkonna {name} sedel selle ringkonna küsimustega.",
    review: "Vaadake valikud üle", encrypt: "Krüpteeri minu sedel",
    choose_one: "Valige üks.", choose_between: "Valige {min} kuni {max}.", rank_up_to: "Järjestage kuni {n} kandidaati, 1 = eelistatuim.",
    grade_each: "Andke igale valikule hinne.", choose_one_of_lists: "Valige üks kandidaat. Teie hääl läheb ka kandidaadi nimekirjale.",
    rank: "Koht {n}", none: "(puudub)", write_in: "Sisse kirjutatud kandidaat", blank: "(tühi)",
    write_in_label: "Sisse kirjutatud kandidaadi nimi (kui valite selle)",
    write_in_left: "Jäänud {left} baiti {max}-st (enamik tähti võtab 1 baidi, täpitähed 2).",
    write_in_over: "{over} baiti liiga pikk: kuni {max} baiti (enamik tähti võtab 1 baidi, täpitähed 2).",
    encrypted_title: "Teie sedel on krüpteeritud", tracker: "Sedeli jälgimiskood",
    encrypted_help: "Võite selle kohe ära anda või enne kontrollida: siis sedel avatakse ja saate teises seadmes veenduda, et see sisaldab teie valikuid. Kontrollitud sedel visatakse ära ja krüpteerite uuesti.",
    cast: "Anna sedel ära", challenge: "Kontrolli krüpteerimist", casting: "Sedeli saatmine…",
    challenge_title: "Kontrollitud sedel (ära andmata)",
    challenge_help: "See sedel on avatud ja seda pole allkirjastatud: seda ei saa kunagi ära anda ega lugeda. Skannige kood teise seadmega: see peab näitama allolevaid valikuid ja jälgimiskoodi {tracker}, mida näidati enne kontrollimist. Kui nii ei ole, ärge hääletage selles seadmes ja teatage valimiste korraldajatele. Seejärel krüpteerige uuesti: teie hääl krüpteeritakse uuesti.",
    challenge_link: "Või kontrollige seda selle brauseri uuel vahekaardil",
    qr_challenge: "QR-kood kontrollitud sedeli kontrollimiseks teises seadmes",
    qr_cast: "QR-kood sedeli valikute vaatamiseks teises seadmes",
    mirror_ok: "Hääletuslogi sõltumatu koopia aadressil {where} kinnitab seda: teie sedel on seal number {i}/{n}, koguja allkirjastatud päise all.",
    mirror_superseded: "Hääletuslogi sõltumatu koopia aadressil {where} näitab hilisemat sedelit teie tunnusega (number {later}): loeb ainult viimane sedel. Kui te uuesti ei hääletanud, teatage valimiste korraldajatele.",
    mirror_warning: "Hoiatus: hääletuslogi sõltumatu koopia aadressil {where} ei kinnita koguja vastust ({reason}). Jätke see leht avatuks või tehke kuvatõmmis ja teatage valimiste korraldajatele.",
    mirror_none: "Selle lehe edastas koguja, seega ei kontrollitud seda hääletuslogi sõltumatu koopia vastu. Selleks avage valimiste peegelserveri kontrolllehekülg (selle aadressi teatavad valimiste korraldajad) ja skannige kood seal.",
    challenge_tracker: "Kontrollitud sedeli jälgimiskood oli {tracker}: võrrelge seda koodiga, mida hääletusleht näitas enne kontrollimist. Kui need erinevad või need pole teie valikud, ärge hääletage selle seadmega ja teatage valimiste korraldajatele.",
    encrypt_again: "Krüpteeri uuesti", cast_title: "Teie sedel on ära antud", cast_title_revote: "Teie uus sedel on ära antud",
    revote_notice: "Hääletate uuesti: praegu äraantav sedel asendab teie varasema sedeli.",
    cast_replaces: "See sedel asendab teie varasema sedeli: arvesse läheb ainult see.",
    recorded_title: "Mis salvestati", keep_title: "Hoidke alles sedeli jälgimiskood",
    keep_help: "Kirjutage jälgimiskood üles või laadige kviitung alla. See ei näita, kuidas te hääletasite; sellega leiate oma sedeli avalikust valimiskastist.",
    counted_title: "Kontrollige, et sedel loeti",
    counted_help: "Pärast hääletamise lõppu ({closes}) avaldavad valimiste korraldajad tulemuse ja valimiste kirje koos loetud valimiskastiga. Teie jälgimiskood {tracker} peab seal olema: laadige kviitung kontrolllehele või paluge usaldusväärsel vaatlejal kirjet kontrollprogrammiga kontrollida.",
    counted_link: "Ava kontrollleht", details: "Tehnilised üksikasjad",
    leaf_index: "Lehe indeks sedelilogis (loetakse nullist)",
    technical_help: "Kviitungi allkirjastas koguja; see leht kontrollis allkirja, sedeli kaasatuse tõestust logi Merkle'i puus ja kooskõla tõestust, et tänane logi jätkab kviitungi oma.",
    cast_link: "Või ava kontroll selles brauseris",
    receipt_download: "Laadi kviitung alla", second_device: "Vaadake oma valikuid teises seadmes",
    second_device_help: "Skannige see kood {minutes} minuti jooksul teise seadmega (telefoniga): see näitab teie sedelis olevaid valikuid. Kui need pole teie valikud, hääletage teisest seadmest uuesti ja teatage valimiste korraldajatele. Ärge jagage koodi: see paljastab teie hääle.",
    revote_title: "Uuesti hääletamine",
    revote_help: "Võite uuesti hääletada kuni valimiste lõpuni: arvesse läheb ainult viimane sedel. Paberil hääletamine tühistab e-hääled.",
    vote_again: "Hääleta uuesti", your_choices: "Sedelis olevad valikud", invalid: "kehtetu",
    verify_title: "Sedeli kontroll", verify_help: "Kleepige pärast sedeli äraandmist (või kontrollimist) näidatud QR-koodi sisu.",
    verify_enter_title: "Kontrolli koodi", verify_code: "Kood", check: "Kontrolli", receipt_checking: "Kviitungi kontrollimine avaliku valimiskasti vastu…",
    receipt_in_log: "Teie sedel {tracker} on avalikus valimiskastis: sedel {i}/{n}. See seade kontrollis koguja allkirjastatud kviitungit ja et valimiskastis on teie sedel endiselt olemas.",
    receipt_warning: "Hoiatus: seda kviitungit ei õnnestunud kontrollida ({reason}). Hoidke kviitungifail alles ja teatage sellest valimiste korraldajatele.",
    receipt_import_title: "Kontrolli salvestatud kviitungit", receipt_file: "Kviitungifail",
    receipt_import_help: "Laadige pärast hääletamist alla laaditud kviitungifail, et kontrollida, kas teie sedel on endiselt avalikus valimiskastis. See ei paljasta teie häält.",
    fetches_left: "Selle sedeli kontrolle jäänud: {n}",
    verdict_cast: "Teie sedel leiti valimiskastist ja avati selles seadmes. Selles on allolevad valikud.",
    verdict_not_yours: "Kui need pole teie tehtud valikud: hääletage teisest seadmest uuesti (arvesse läheb ainult viimane sedel) ja teatage valimiste korraldajatele.",
    verdict_challenge: "Kontrollitud sedel taastati selles seadmes koodist. Selles on allolevad valikud.",
    errors: {
      network: "Kogujaga ei saa ühendust. Kontrollige internetiühendust ja proovige uuesti (sama sedeli uuesti saatmine on ohutu).",
      log_unreachable: "avalikku sedelilogi ei saa kätte; proovige hiljem uuesti",
      unexpected: "Sellel lehel läks midagi valesti ({reason}). Laadige leht uuesti ja proovige uuesti; kui see kordub, teatage valimiste korraldajatele.",
      no_district: "Koguja valijate nimekiri ei seo seda tunnust ühegi selle valimise ringkonnaga, seega ei saa see leht teie sedelit näidata. Laadige leht uuesti ja proovige uuesti; kui see kordub, teatage valimiste korraldajatele.",
      credential_length: "Selles tunnuses on {found} märki; peab olema {expected} (kriipse ja tühikuid arvestamata). Kontrollige, et sisestasite selle tervikuna.",
      credential_character: "Märk {position} („{character}“) ei saa tunnuses olla: tunnuses on ainult numbrid ja tähed A–Z peale U. Kontrollige sisestatut.",
      credential_check: "See tunnus pole õige: mõni märk on valesti sisestatud või kaks märki on vahetuses. Võrrelge seda hoolikalt kirjaga.",
      server_5xx: "Kogujal on probleem (HTTP {status}). Oodake minut ja proovige uuesti (sama sedeli uuesti saatmine on ohutu).",
      server_4xx: "Koguja keeldus päringust ({code}). Laadige leht uuesti ja proovige uuesti; kui see kordub, teatage valimiste korraldajatele.",
      server: {
        election_closed: "Hääletamine on lõppenud: teie sedelit ei võetud vastu. Valimiste korraldajad avaldavad tulemuse.",
        election_not_open: "Hääletamine pole veel alanud: teie sedelit ei võetud vastu. Tulge tagasi, kui hääletamine algab.",
        overloaded: "Koguja on praegu hõivatud: teie sedelit ei salvestatud. Oodake mõni sekund ja proovige uuesti.",
        storage_unavailable: "Valimiskast pole praegu kättesaadav: teie sedelit ei salvestatud. Oodake minut ja proovige uuesti.",
        outcome_unknown: "Koguja ei saanud kinnitada, kas teie sedel salvestati. Proovige uuesti: sama sedeli kaks korda saatmine on ohutu.",
        timeout: "Koguja vastas liiga kaua. Proovige minuti pärast uuesti.",
        request_timeout: "Sedeli saatmine võttis liiga kaua. Kontrollige ühendust ja proovige uuesti.",
        rate_limited: "Selle tunnusega saadeti viimase minuti jooksul liiga palju sedeleid. Oodake minut ja proovige uuesti.",
        unknown_credential: "Seda tunnust pole valijate nimekirjas. Kontrollige, et sisestasite oma kirja tunnuse; kui see on õige, võtke ühendust valimiste korraldajatega.",
        wrong_election: "See leht on teiste valimiste jaoks kui koguja omad. Laadige leht uuesti ja proovige uuesti.",
        bad_signature: "Sedeli allkirja ei võetud vastu. Laadige leht uuesti, sisestage tunnus uuesti ja hääletage uuesti.",
        bad_proof: "Sedel lükati tagasi kui vigane. Laadige leht uuesti ja hääletage uuesti; kui see kordub, kasutage teist seadet ja teatage valimiste korraldajatele.",
        wrong_shape: "Sedel lükati tagasi kui vigane. Laadige leht uuesti ja hääletage uuesti; kui see kordub, teatage valimiste korraldajatele.",
        invalid_ballot: "Sedel lükati tagasi kui vigane. Laadige leht uuesti ja hääletage uuesti; kui see kordub, teatage valimiste korraldajatele.",
        malformed_json: "Sedel lükati tagasi kui vigane. Laadige leht uuesti ja hääletage uuesti; kui see kordub, teatage valimiste korraldajatele.",
        body_too_large: "Sedel on koguja jaoks liiga suur. Teatage valimiste korraldajatele.",
        unsupported_media_type: "Koguja keeldus päringust. Laadige leht uuesti ja proovige uuesti.",
        ballot_not_found: "Selle koodiga sedelit valimiskastis pole. Kontrollige, et skannisite pärast äraandmist näidatud koodi.",
        verification_expired: "Aeg selle sedeli kontrollimiseks teise seadmega on läbi. Kviitungit saab endiselt allpool kontrollida.",
        fetch_not_authorized: "See kood ei ava seda sedelit. Skannige kood uuesti.",
        verification_limit_reached: "Seda sedelit on kontrollitud lubatud arv kordi. Kviitungit saab endiselt allpool kontrollida.",
        invalid_ballot_id: "See kood pole kehtiv. Skannige kood uuesti.",
        internal: "Kogujal on sisemine probleem. Oodake minut ja proovige uuesti; kui see kordub, teatage valimiste korraldajatele.",
      },
    },
    choice_errors: {
      rank_gap: "Täitke kohad alates 1-st ilma vahedeta.",
      ungraded: "Andke igale valikule hinne: ühel see veel puudub.",
      ranked_twice: "Iga kandidaati saab järjestada ainult üks kord.",
      write_in_empty: "Valisite sisse kirjutatud kandidaadi: kirjutage nimi kasti või eemaldage see valik.",
      write_in_long: "Sisse kirjutatud nimi on liiga pikk: kuni {max} baiti.",
      count_one: "Valige üks.",
      count: "Valige {min} kuni {max}.",
      not_a_choice: "Üks valikutest pole sellel sedelil. Laadige leht uuesti ja proovige uuesti.",
      invalid: "Need valikud pole selle küsimuse jaoks kehtivad. Kontrollige neid ja proovige uuesti.",
    },
  },
  fr: {
    language: "Langue", fingerprint: "Empreinte de l’élection", module: "SHA-256 du module de vote",
    vote_title: "Vote", loading: "Chargement de l’élection…", retry: "Réessayer",
    period_open: "Le vote est ouvert du {opens} au {closes}.",
    period_not_open: "Le vote n’a pas commencé : il est ouvert du {opens} au {closes}.",
    period_closed: "Le vote est clos : il était ouvert du {opens} au {closes}.",
    closed_title_not_open: "Le vote n’a pas encore commencé", closed_title_closed: "Le vote est clos",
    closed_title_open: "Le vote est ouvert",
    closed_help_not_open: "Vous pourrez voter à partir du {opens}. Revenez alors sur cette page avec votre identifiant.",
    closed_help_closed: "Les bulletins pouvaient être déposés jusqu’au {closes} ; aucun bulletin ne peut plus être déposé. Les responsables de l’élection publieront le résultat et le dossier de l’élection.",
    closed_help_open: "",
    credential_title: "Votre identifiant de vote",
    credential_help: "Saisissez l’identifiant imprimé sur votre lettre, ou chargez le fichier d’identifiant reçu. Personne d’autre ne doit le voir : il permet de voter.",
    credential_code: "Identifiant", credential_format: "56 lettres et chiffres par groupes de 4, comme 7K3M-Q9TX-… (tirets, espaces, minuscules ou majuscules : peu importe).",
    credential_file: "Ou chargez le fichier d’identifiant", continue: "Continuer", back: "Retour", next: "Suivant",
    contest_position: "Question {i} sur {n}",
    your_district: "Votre circonscription : {name}",
    ballot_district: "Ce bulletin est celui de la circonscription {name}, avec les questions de cette circonscription.",
    review: "Vérifiez vos choix", encrypt: "Chiffrer mon bulletin",
    choose_one: "Choisissez-en un.", choose_between: "Choisissez entre {min} et {max}.", rank_up_to: "Classez jusqu’à {n} candidats, 1 = préféré.",
    grade_each: "Donnez une mention à chaque option.", choose_one_of_lists: "Choisissez un candidat. Votre voix compte aussi pour sa liste.",
    rank: "Rang {n}", none: "(aucun)", write_in: "Candidat inscrit à la main", blank: "(blanc)",
    write_in_label: "Nom du candidat inscrit à la main (si vous en choisissez un)",
    write_in_left: "Il reste {left} octets sur {max} (la plupart des lettres prennent 1 octet, les lettres accentuées 2).",
    write_in_over: "{over} octets de trop : {max} octets au plus (la plupart des lettres prennent 1 octet, les lettres accentuées 2).",
    encrypted_title: "Votre bulletin est chiffré", tracker: "Code de suivi du bulletin",
    encrypted_help: "Vous pouvez le déposer maintenant, ou d’abord le contester : le bulletin est alors ouvert pour que vous vérifiiez, sur un autre appareil, qu’il contient vos choix. Un bulletin contesté est jeté et vous chiffrez à nouveau.",
    cast: "Déposer ce bulletin", challenge: "Contester (vérifier le chiffrement)", casting: "Envoi de votre bulletin…",
    challenge_title: "Bulletin contesté (non déposé)",
    challenge_help: "Ce bulletin a été ouvert et n’a jamais été signé : il ne peut jamais être déposé ni compté. Scannez le code avec un autre appareil : il doit afficher les choix ci-dessous et le code de suivi {tracker}, celui affiché avant la contestation. Sinon, ne votez pas sur cet appareil et prévenez les responsables de l’élection. Puis chiffrez à nouveau : votre vote sera chiffré de nouveau.",
    challenge_link: "Ou vérifiez-le dans un nouvel onglet de ce navigateur",
    qr_challenge: "QR code pour vérifier le bulletin contesté sur un autre appareil",
    qr_cast: "QR code pour voir les choix de votre bulletin sur un autre appareil",
    mirror_ok: "La copie indépendante du registre des bulletins à {where} le confirme : votre bulletin y est le numéro {i} sur {n}, sous un en-tête signé par le collecteur.",
    mirror_superseded: "La copie indépendante du registre des bulletins à {where} montre un bulletin plus récent déposé avec votre identifiant (numéro {later}) : seul le dernier bulletin compte. Si vous n’avez pas revoté, prévenez les responsables de l’élection.",
    mirror_warning: "Attention : la copie indépendante du registre des bulletins à {where} ne confirme pas la réponse du collecteur ({reason}). Gardez cette page ouverte ou faites une capture d’écran, et prévenez les responsables de l’élection.",
    mirror_none: "Cette page a été servie par le collecteur : elle n’a donc pas été vérifiée auprès d’une copie indépendante du registre. Pour cela, ouvrez la page de vérification du miroir de l’élection (indiqué par les responsables de l’élection) et scannez-y le code.",
    challenge_tracker: "Le bulletin contesté avait le code de suivi {tracker} : comparez-le avec celui que la page de vote affichait avant la contestation. S’ils diffèrent, ou si ce ne sont pas vos choix, ne votez pas avec cet appareil et prévenez les responsables de l’élection.",
    encrypt_again: "Chiffrer à nouveau", cast_title: "Votre bulletin est déposé", cast_title_revote: "Votre nouveau bulletin est déposé",
    revote_notice: "Vous votez à nouveau : le bulletin que vous déposez maintenant remplacera votre bulletin précédent.",
    cast_replaces: "Ce bulletin remplace votre bulletin précédent : seul celui-ci sera compté.",
    recorded_title: "Ce qui a été enregistré", keep_title: "Conservez le code de suivi de votre bulletin",
    keep_help: "Notez ce code de suivi ou téléchargez le reçu. Il ne révèle pas votre vote ; il vous permet de retrouver votre bulletin dans l’urne publique.",
    counted_title: "Vérifier qu’il a été compté",
    counted_help: "Après la clôture du vote ({closes}), les responsables de l’élection publient le résultat et le dossier de l’élection, avec l’urne qui a été comptée. Votre code de suivi {tracker} doit y figurer : chargez votre reçu sur la page de vérification, ou demandez à un observateur de confiance de passer le vérificateur sur le dossier.",
    counted_link: "Ouvrir la page de vérification", details: "Détails techniques",
    leaf_index: "Indice de feuille dans le registre (compté à partir de 0)",
    technical_help: "Le reçu est signé par le collecteur ; cette page a vérifié la signature, la preuve d’inclusion du bulletin dans l’arbre de Merkle du registre, et la preuve de cohérence montrant que le registre actuel prolonge celui du reçu.",
    cast_link: "Ou ouvrez la vérification dans ce navigateur",
    receipt_download: "Télécharger le reçu", second_device: "Voir vos choix sur un second appareil",
    second_device_help: "Scannez ce code avec un autre appareil (un téléphone) dans les {minutes} minutes : il affiche les choix contenus dans votre bulletin. Si ce ne sont pas vos choix, votez à nouveau depuis un autre appareil et prévenez les responsables de l’élection. Ne partagez pas le code : il révèle votre vote.",
    revote_title: "Voter à nouveau",
    revote_help: "Vous pouvez voter à nouveau jusqu’à la clôture : seul votre dernier bulletin compte. Un vote papier annule vos votes électroniques.",
    vote_again: "Voter à nouveau", your_choices: "Choix contenus dans le bulletin", invalid: "invalide",
    verify_title: "Vérifier un bulletin", verify_help: "Collez le code du QR code affiché après le dépôt (ou la contestation) d’un bulletin.",
    verify_enter_title: "Vérifier un code", verify_code: "Code", check: "Vérifier", receipt_checking: "Vérification du reçu auprès de l’urne publique…",
    receipt_in_log: "Votre bulletin {tracker} est dans l’urne publique : bulletin {i} sur {n}. Cet appareil a vérifié le reçu signé par le collecteur et que l’urne contient toujours votre bulletin.",
    receipt_warning: "Attention : ce reçu n’a pas pu être vérifié ({reason}). Conservez le fichier du reçu et signalez-le aux responsables de l’élection.",
    receipt_import_title: "Vérifier un reçu enregistré", receipt_file: "Fichier du reçu",
    receipt_import_help: "Chargez le fichier du reçu téléchargé après le dépôt pour vérifier que votre bulletin est toujours dans l’urne publique. Il ne révèle rien de votre vote.",
    fetches_left: "Vérifications restantes pour ce bulletin : {n}",
    verdict_cast: "Votre bulletin a été trouvé dans l’urne et ouvert sur cet appareil. Il contient les choix ci-dessous.",
    verdict_not_yours: "Si ce ne sont pas les choix que vous avez faits : votez à nouveau depuis un autre appareil (seul votre dernier bulletin compte) et prévenez les responsables de l’élection.",
    verdict_challenge: "Le bulletin contesté a été reconstruit sur cet appareil à partir de son code. Il contient les choix ci-dessous.",
    errors: {
      network: "Le collecteur est injoignable. Vérifiez votre connexion internet et réessayez (renvoyer le même bulletin est sans risque).",
      log_unreachable: "le registre public des bulletins est injoignable ; réessayez plus tard",
      unexpected: "Un problème est survenu sur cette page ({reason}). Rechargez la page et réessayez ; si cela se reproduit, prévenez les responsables de l’élection.",
      no_district: "La liste des électeurs du collecteur n’associe cet identifiant à aucune circonscription de cette élection : cette page ne peut pas afficher votre bulletin. Rechargez la page et réessayez ; si cela se reproduit, prévenez les responsables de l’élection.",
      credential_length: "Cet identifiant a {found} caractères ; il doit en avoir {expected} (sans compter tirets et espaces). Vérifiez que vous l’avez saisi en entier.",
      credential_character: "Le caractère {position} (« {character} ») ne peut pas figurer dans un identifiant : un identifiant ne contient que des chiffres et les lettres A à Z sauf U. Vérifiez votre saisie.",
      credential_check: "Cet identifiant n’est pas correct : un caractère est mal saisi, ou deux caractères sont inversés. Comparez-le attentivement avec votre lettre.",
      server_5xx: "Le collecteur rencontre un problème (HTTP {status}). Attendez une minute et réessayez (renvoyer le même bulletin est sans risque).",
      server_4xx: "Le collecteur a refusé la demande ({code}). Rechargez la page et réessayez ; si cela se reproduit, prévenez les responsables de l’élection.",
      server: {
        election_closed: "Le vote est clos : votre bulletin n’a pas été accepté. Les responsables de l’élection publieront le résultat.",
        election_not_open: "Le vote n’a pas encore commencé : votre bulletin n’a pas été accepté. Revenez à l’ouverture du vote.",
        overloaded: "Le collecteur est occupé : votre bulletin n’a pas été enregistré. Attendez quelques secondes et réessayez.",
        storage_unavailable: "L’urne est indisponible pour le moment : votre bulletin n’a pas été enregistré. Attendez une minute et réessayez.",
        outcome_unknown: "Le collecteur n’a pas pu confirmer l’enregistrement de votre bulletin. Réessayez : envoyer deux fois le même bulletin est sans risque.",
        timeout: "Le collecteur a mis trop de temps à répondre. Réessayez dans une minute.",
        request_timeout: "L’envoi de votre bulletin a pris trop de temps. Vérifiez votre connexion et réessayez.",
        rate_limited: "Trop de bulletins ont été envoyés avec cet identifiant dans la dernière minute. Attendez une minute et réessayez.",
        unknown_credential: "Cet identifiant ne figure pas sur la liste des électeurs. Vérifiez que vous avez saisi l’identifiant de votre propre lettre ; s’il est correct, contactez les responsables de l’élection.",
        wrong_election: "Cette page est celle d’une autre élection que celle du collecteur. Rechargez la page et réessayez.",
        bad_signature: "La signature du bulletin a été refusée. Rechargez la page, saisissez à nouveau votre identifiant et votez à nouveau.",
        bad_proof: "Le bulletin a été refusé comme mal formé. Rechargez la page et votez à nouveau ; si cela se reproduit, utilisez un autre appareil et prévenez les responsables de l’élection.",
        wrong_shape: "Le bulletin a été refusé comme mal formé. Rechargez la page et votez à nouveau ; si cela se reproduit, prévenez les responsables de l’élection.",
        invalid_ballot: "Le bulletin a été refusé comme mal formé. Rechargez la page et votez à nouveau ; si cela se reproduit, prévenez les responsables de l’élection.",
        malformed_json: "Le bulletin a été refusé comme mal formé. Rechargez la page et votez à nouveau ; si cela se reproduit, prévenez les responsables de l’élection.",
        body_too_large: "Le bulletin est trop grand pour le collecteur. Prévenez les responsables de l’élection.",
        unsupported_media_type: "Le collecteur a refusé la demande. Rechargez la page et réessayez.",
        ballot_not_found: "Aucun bulletin de l’urne ne correspond à ce code. Vérifiez que vous avez scanné le code affiché après le dépôt.",
        verification_expired: "Le délai pour vérifier ce bulletin avec un second appareil est passé. Votre reçu peut toujours être vérifié ci-dessous.",
        fetch_not_authorized: "Ce code n’ouvre pas ce bulletin. Scannez le code à nouveau.",
        verification_limit_reached: "Ce bulletin a été vérifié autant de fois que permis. Votre reçu peut toujours être vérifié ci-dessous.",
        invalid_ballot_id: "Ce code n’est pas valide. Scannez le code à nouveau.",
        internal: "Le collecteur rencontre un problème interne. Attendez une minute et réessayez ; si cela se reproduit, prévenez les responsables de l’élection.",
      },
    },
    choice_errors: {
      rank_gap: "Remplissez les rangs à partir de 1, sans trou.",
      ungraded: "Donnez une mention à chaque option : il en manque une.",
      ranked_twice: "Chaque candidat ne peut être classé qu’une fois.",
      write_in_empty: "Vous avez choisi un candidat inscrit à la main : écrivez son nom dans la case, ou retirez ce choix.",
      write_in_long: "Le nom inscrit à la main est trop long : {max} octets au plus.",
      count_one: "Choisissez-en un.",
      count: "Choisissez entre {min} et {max}.",
      not_a_choice: "Un des choix ne figure pas sur ce bulletin. Rechargez la page et réessayez.",
      invalid: "Ces choix ne sont pas valides pour cette question. Vérifiez-les et réessayez.",
    },
  },
};

export function pickLanguage() {
  return chooseLanguage(TEXTS, [savedLanguage("lang"), browserLanguage()]);
}

/** The text `key` (dotted for nested ones) in `lang` (English if missing), with `{name}` filled from `vars`. */
export function t(lang, key, vars = {}) {
  return lookup(TEXTS, lang, key, vars);
}

/** A manifest text in the chosen language, else English, else the first one. */
export function local(texts, lang) {
  return texts[lang] ?? texts.en ?? Object.values(texts)[0] ?? "";
}

/** Fills every element with a data-t attribute (and data-t-label: its accessible name), and the page's language. */
export function translatePage(lang) {
  translate(TEXTS, lang);
}

/** Seconds since the Unix epoch of a manifest time: its JSON form is an ISO 8601 date with its offset
 * (SPEC.md §4.1, e.g. "2027-03-01T07:00:00Z"); older manifests give the seconds themselves. */
export function epochSeconds(time) {
  return typeof time === "number" ? time : Math.floor(Date.parse(time) / 1000);
}

/** A manifest time in the page's language, with its time zone named. */
export function formatDate(time, lang) {
  const f = new Intl.DateTimeFormat(lang, { year: "numeric", month: "long", day: "numeric", hour: "2-digit",
    minute: "2-digit", timeZoneName: "long" });
  return f.format(new Date(epochSeconds(time) * 1000));
}

/** Where `now` (ms) stands in the voting period: `not_open`, `open` or `closed` (`closes_at` itself is open). */
export function periodStatus(period, now) {
  const s = Math.floor(now / 1000);
  return s < epochSeconds(period.opens_at) ? "not_open" : s > epochSeconds(period.closes_at) ? "closed" : "open";
}

/** The message for an error of the collector (its `code`, collector/API.md) or of the network (`network`). */
export function serverError(code, status) {
  if (code === "network") return { key: "errors.network" };
  if (code && TEXTS.en.errors.server[code]) return { key: `errors.server.${code}` };
  if (status >= 500) return { key: "errors.server_5xx", vars: { status } };
  return { key: "errors.server_4xx", vars: { code: code || `HTTP ${status}` } };
}

/** The message for the module's refusal of a credential's text (`code`: length, character, check; SPEC §8.1). */
export function credentialError(e) {
  switch (e && e.code) {
    case "length": return { key: "errors.credential_length", vars: { found: e.found, expected: e.expected } };
    case "character": return { key: "errors.credential_character", vars: { position: e.position, character: e.character } };
    case "check": return { key: "errors.credential_check" };
    default: return { key: "errors.unexpected", vars: { reason: String((e && e.message) || e) } };
  }
}

/** The message for the module's refusal of a screen's choices (an Error with a `code`, voter-client `ChoiceError`). */
export function choiceError(e, contest) {
  const code = e && e.code;
  if (code === "count") {
    return contest.kind.type === "single_choice" || (e.min === 1 && e.max === 1)
      ? { key: "choice_errors.count_one" } : { key: "choice_errors.count", vars: { min: e.min, max: e.max } };
  }
  if (code && TEXTS.en.choice_errors[code]) return { key: `choice_errors.${code}` };
  return { key: "errors.unexpected", vars: { reason: String((e && e.message) || e) } };
}

/** Lists each contest's answer (`{Ok: answer}` or `{Err: …}`) as text in a <dl>: the review, the challenge and
 * the second device all show choices this way. `contests`: the contests the answers answer, as manifest indices
 * (a ballot of a district holds that district's, SPEC.md §8.2); every contest of the manifest when absent. */
export function renderChoices(dl, manifest, answers, lang, contests = manifest.contests.map((_, i) => i)) {
  dl.replaceChildren();
  contests.map((c) => manifest.contests[c]).forEach((contest, i) => {
    const dt = document.createElement("dt");
    dt.textContent = local(contest.title, lang);
    const dd = document.createElement("dd");
    const a = answers[i];
    if (!a || !a.Ok) dd.textContent = t(lang, "invalid");
    else if (a.Ok.selections.length === 0) dd.textContent = t(lang, "blank");
    else if (contest.kind.type === "graded") {
      // One grade per option, in option order (SPEC.md §5.1).
      dd.textContent = a.Ok.selections
        .map((s, k) => `${local(contest.options[k].title, lang)}: ${local(contest.grades[s.option], lang)}`)
        .join(", ");
    }
    else {
      dd.textContent = a.Ok.selections
        .map((s, k) => (contest.kind.type === "ranked" ? `${k + 1}. ` : "") +
          (s.write_in !== undefined ? `${s.write_in} (${t(lang, "write_in")})` : local(contest.options[s.option].title, lang)))
        .join(", ");
    }
    dl.append(dt, dd);
  });
}
