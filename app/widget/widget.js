/*! Rapport practice widget: practise a networking conversation right on a coaching site.
 *
 * Embed with one tag (no build step, no dependencies):
 *   <script src="https://HOST/widget.js" data-key="pk_..." data-persona="recruiter" async></script>
 * Optional: data-lang="es" (en, es, de, ar, he; default: the page's <html lang>, then the
 * browser's), data-theme="auto|light|dark", data-position="right|left|start|end".
 *
 * Why it is built this way:
 * - Everything is rendered inside an OPEN shadow root, so the host page's CSS cannot restyle the
 *   widget and the widget's CSS cannot leak into the page; "open" keeps it testable and inspectable.
 * - The host element hangs off <html>, not <body>: a `transform` on <body> (common, for smooth
 *   scrolling tricks) would make every `position: fixed` inside it scroll with the page.
 * - The API base is the origin this script was loaded from, so one tag is all a site needs.
 * - The data-testid attributes are a public contract (API.md, "Widget hooks"): do not rename them.
 * - Text from the server or the user is only ever set with textContent, never parsed as HTML.
 */
(function () {
  "use strict";
  if (window.RapportWidget) return; // a page that includes the tag twice must still get one widget

  // ------------------------------------------------------------------ configuration
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const data = (script && script.dataset) || {};
  const API = new URL(script ? script.src : "/widget.js", location.href).origin;
  const KEY = data.key || "";
  const PRESET = data.persona || "";
  const THEME = ["light", "dark"].includes(data.theme) ? data.theme : "auto";
  const MAX_CHARS = 2000;
  // One slot per API and key: two widgets from different servers on one site must not mix up ids.
  const SLOT = API + ":" + (KEY ? KEY.slice(0, 12) : "open");

  // ------------------------------------------------------------------ text catalogue
  // Every word the widget shows. Server text (persona lines, tips, highlights) stays in the
  // language the server wrote it in and is marked dir="auto" so it reads right in any layout.
  // es, de, ar and he were written by the engineer who built the widget, not yet reviewed by
  // native speakers (docs/api.md, "The widget"): corrections are welcome.
  const CATALOGUE = {
    en: {
      launcher: "Practise a conversation", hide: "Hide practice chat",
      unread: (n) => (n === 1 ? "1 new reply" : n + " new replies"),
      title: "Conversation practice", titleWith: "Practise with {name}",
      intro: "Meet someone new and practise showing real interest.",
      widget: "Conversation practice", close: "Close practice chat", change: "Change",
      trust: "Trust", trustLabel: "Their trust in you",
      moods: { guarded: "guarded", neutral: "neutral", warm: "warm", won: "won over" },
      stages: { opening: "opening", rapport: "rapport", discovery: "discovery", opportunity: "opportunity",
        closing: "closing", ended: "ended", cooling: "cooling" },
      trustValue: "{mood}, {pct}", trustStage: "stage: {stage}",
      trustUp: "{name}'s trust rose to {pct}: {mood}.", trustDown: "{name}'s trust fell to {pct}: {mood}.",
      who: "Who you'll meet", difficulty: "Difficulty", levels: { easy: "Easy", normal: "Normal", hard: "Hard" },
      start: "Start", startOver: "Start over", switchTo: "Switch", at: "{role} at {company}",
      confirmOver: "Start over with {name}? This conversation stays unfinished, with no scorecard.",
      confirmSwitch: "Switch to {name}? Your conversation with {current} stays unfinished, with no scorecard.",
      keep: "Keep talking", scene: "The scene:", conversation: "Conversation",
      you: "You", partner: "Your partner", typing: "{name} is typing",
      queued: "Sends when {name} has finished", queuedSaid: "Your message will be sent when {name} has finished.",
      message: "Your message", placeholder: "Type your message\u2026", send: "Send",
      hint: "Shift+Enter for a new line",
      left: (n) => (n === 1 ? "1 character left" : n + " characters left"),
      end: "End & see scorecard", endShort: "End", retry: "Retry",
      genuine: "Genuine interest", missed: "Missed a chance to connect", score: "score",
      tip: "Tip:", worked: "Worked", hurt: "Cost you",
      moves: {
        follow_up_question: "Follow-up question", new_topic_question: "New question",
        mirror_question: "Mirrored question", reflection: "Reflection", acknowledgement: "Acknowledgement",
        self_disclosure: "Shared about yourself", self_focus: "About you", pitch: "Pitch",
        topic_hijack: "Topic hijack", minimal: "Minimal reply", dismissive: "Dismissive",
      },
      notSetUp: "This practice chat isn't set up for this website yet, so it can't start. Please try again later.",
      offline: "Could not reach the practice server. Check your connection and try again.",
      dropped: "The connection dropped before the reply finished.",
      unavailable: "{name} can't answer right now. Your message is saved; try again in a moment.",
      slowDown: "You're sending messages quickly; try again in {s} s.",
      slowDownSoon: "You're sending messages quickly; try again in a moment.",
      concurrent: "Another message was being answered at the same moment.",
      inProgress: "Your previous message is still being answered; send this one in a moment.",
      rejected: "That message couldn't be sent as it is. Edit it and try again.",
      tooLong: "That message is too long. Shorten it and try again.",
      gone: "This conversation is no longer available. Start a new one.",
      server: "Something went wrong on our side. Try again in a moment.",
      noReply: "{name} has not answered your last message yet.",
      earlier: "An earlier message is still waiting for a reply.",
      scorecard: "Your scorecard",
      outcomes: { warm_close: "Warm close: they were glad to stay in touch",
        neutral_close: "Polite close: friendly, but no real connection yet", walked_away: "They walked away" },
      ended: "Conversation ended", turns: (n) => (n === 1 ? "1 turn" : n + " turns"),
      stats: { genuine: "Genuine interest", mean: "Mean score", questions: "Questions", followUps: "Follow-ups",
        talk: "You talked", pitch: "First pitch" },
      none: "none", turnN: "turn {n}", chart: "Trust and score per turn",
      chartTrust: "Trust by turn: {list}.", chartScore: "Score by turn: {list}.",
      legendTrust: "Trust", legendScore: "Score per turn",
      highlights: "Highlights", tips: "Tips", best: "Best", rework: "To rework", again: "Practise again",
      // After the scorecard: the recall check and the follow-up note (docs/api.md).
      followups: {
        recallTitle: "What did you learn about {name}?",
        recallHint: "Write what you remember {name} telling you. It is checked once, against what they really said.",
        recallLabel: "What you remember about {name}", recallSend: "Check my recall",
        noteTitle: "Draft your follow-up note",
        noteHint: "The message you would send {name} tomorrow. Draft it as often as you like.",
        noteLabel: "Your follow-up note to {name}", noteSend: "Get feedback on my note",
        skip: "Skip", skipped: "Skipped.", undoSkip: "Do it after all", checking: "Checking\u2026",
        score: "Recall score: {score} of 100", recalled: "Recalled", missed: "Missed",
        misremembered: "Misremembered", invented: "Not something they said", nothing: "none",
        good: "Ready to send.", notYet: "Worth another draft.",
        labels: { specific: "Specific", thanks: "Thanks", ask: "Ask", length: "Length" },
        verdicts: { specific: { yes: "yes", no: "not yet" }, thanks: { fine: "fine", grovelling: "overdone", missing: "missing" },
          ask: { none: "no ask", fine: "clear", unclear: "unclear", too_many: "too many", too_big: "too big" },
          length: { fine: "fine", too_long: "too long", too_short: "too short" } },
        words: "{n} words; aim for {low}\u2013{high}", quoted: "In your note:",
        rewrite: "One change", insteadOf: "Instead of:", write: "Write:",
        answered: "You have already answered this check; your first answer stands.",
        empty: "Write something first, or skip this step.",
        tooLong: "That is too long to check. Shorten it and try again.",
      },
    },
    es: {
      launcher: "Practica una conversación", hide: "Ocultar el chat de práctica",
      unread: (n) => (n === 1 ? "1 respuesta nueva" : n + " respuestas nuevas"),
      title: "Práctica de conversación", titleWith: "Practica con {name}",
      intro: "Conoce a alguien nuevo y practica mostrar un interés real.",
      widget: "Práctica de conversación", close: "Cerrar el chat de práctica", change: "Cambiar",
      trust: "Confianza", trustLabel: "Su confianza en ti",
      moods: { guarded: "reservada", neutral: "neutral", warm: "cercana", won: "ganada" },
      stages: { opening: "apertura", rapport: "sintonía", discovery: "descubrimiento", opportunity: "oportunidad",
        closing: "cierre", ended: "terminada", cooling: "enfriándose" },
      trustValue: "{mood}, {pct}", trustStage: "etapa: {stage}",
      trustUp: "La confianza de {name} subió a {pct}: {mood}.", trustDown: "La confianza de {name} bajó a {pct}: {mood}.",
      who: "Con quién hablarás", difficulty: "Dificultad", levels: { easy: "Fácil", normal: "Normal", hard: "Difícil" },
      start: "Empezar", startOver: "Empezar de nuevo", switchTo: "Cambiar", at: "{role} en {company}",
      confirmOver: "¿Empezar de nuevo con {name}? Esta conversación quedará sin terminar y sin resultados.",
      confirmSwitch: "¿Cambiar a {name}? Tu conversación con {current} quedará sin terminar y sin resultados.",
      keep: "Seguir hablando", scene: "La escena:", conversation: "Conversación",
      you: "Tú", partner: "Tu interlocutor", typing: "{name} está escribiendo",
      queued: "Se enviará cuando {name} termine", queuedSaid: "Tu mensaje se enviará cuando {name} termine.",
      message: "Tu mensaje", placeholder: "Escribe tu mensaje\u2026", send: "Enviar",
      hint: "Mayús+Intro: línea nueva",
      left: (n) => (n === 1 ? "Queda 1 carácter" : "Quedan " + n + " caracteres"),
      end: "Terminar y ver resultados", endShort: "Terminar", retry: "Reintentar",
      genuine: "Interés genuino", missed: "Oportunidad perdida de conectar", score: "puntuación",
      tip: "Consejo:", worked: "Funcionó", hurt: "Te restó",
      moves: {
        follow_up_question: "Pregunta de seguimiento", new_topic_question: "Pregunta nueva",
        mirror_question: "Pregunta devuelta", reflection: "Reflejo", acknowledgement: "Reconocimiento",
        self_disclosure: "Hablaste de ti", self_focus: "Centrado en ti", pitch: "Discurso de venta",
        topic_hijack: "Cambio de tema brusco", minimal: "Respuesta mínima", dismissive: "Desdén",
      },
      notSetUp: "Este chat de práctica aún no está configurado para este sitio web, así que no puede empezar. Inténtalo más tarde.",
      offline: "No se pudo conectar con el servidor de práctica. Comprueba tu conexión e inténtalo de nuevo.",
      dropped: "La conexión se cortó antes de terminar la respuesta.",
      unavailable: "{name} no puede responder ahora. Tu mensaje está guardado; inténtalo de nuevo en un momento.",
      slowDown: "Estás enviando mensajes muy rápido; inténtalo de nuevo en {s} s.",
      slowDownSoon: "Estás enviando mensajes muy rápido; inténtalo de nuevo en un momento.",
      concurrent: "Otro mensaje se estaba respondiendo en ese mismo momento.",
      inProgress: "Tu mensaje anterior aún se está respondiendo; envía este en un momento.",
      rejected: "Ese mensaje no se pudo enviar tal como está. Edítalo e inténtalo de nuevo.",
      tooLong: "Ese mensaje es demasiado largo. Acórtalo e inténtalo de nuevo.",
      gone: "Esta conversación ya no está disponible. Empieza una nueva.",
      server: "Algo falló por nuestra parte. Inténtalo de nuevo en un momento.",
      noReply: "{name} aún no ha respondido a tu último mensaje.",
      earlier: "Un mensaje anterior aún espera respuesta.",
      scorecard: "Tus resultados",
      outcomes: { warm_close: "Cierre cálido: quiso seguir en contacto",
        neutral_close: "Cierre cortés: amable, pero aún sin una conexión real", walked_away: "Se marchó" },
      ended: "Conversación terminada", turns: (n) => (n === 1 ? "1 turno" : n + " turnos"),
      stats: { genuine: "Interés genuino", mean: "Puntuación media", questions: "Preguntas", followUps: "Seguimientos",
        talk: "Hablaste", pitch: "Primer discurso" },
      none: "ninguno", turnN: "turno {n}", chart: "Confianza y puntuación por turno",
      chartTrust: "Confianza por turno: {list}.", chartScore: "Puntuación por turno: {list}.",
      legendTrust: "Confianza", legendScore: "Puntuación por turno",
      highlights: "Momentos clave", tips: "Consejos", best: "Mejor", rework: "Para mejorar", again: "Practicar otra vez",
      followups: { // not yet reviewed by a native speaker (see above)
        recallTitle: "¿Qué aprendiste sobre {name}?",
        recallHint: "Escribe lo que recuerdas que te contó {name}. Se comprueba una sola vez, con lo que dijo de verdad.",
        recallLabel: "Lo que recuerdas de {name}", recallSend: "Comprobar lo que recuerdo",
        noteTitle: "Redacta tu mensaje de seguimiento",
        noteHint: "El mensaje que enviarías a {name} mañana. Puedes redactarlo tantas veces como quieras.",
        noteLabel: "Tu mensaje de seguimiento para {name}", noteSend: "Recibir comentarios sobre mi mensaje",
        skip: "Omitir", skipped: "Omitido.", undoSkip: "Hacerlo de todos modos", checking: "Comprobando\u2026",
        score: "Puntuación de memoria: {score} de 100", recalled: "Recordado", missed: "Olvidado",
        misremembered: "Recordado mal", invented: "No lo dijo", nothing: "nada",
        good: "Listo para enviar.", notYet: "Vale la pena otro borrador.",
        labels: { specific: "Concreto", thanks: "Agradecimiento", ask: "Petición", length: "Extensión" },
        verdicts: { specific: { yes: "sí", no: "aún no" }, thanks: { fine: "bien", grovelling: "excesivo", missing: "falta" },
          ask: { none: "sin petición", fine: "clara", unclear: "poco clara", too_many: "demasiadas", too_big: "demasiado grande" },
          length: { fine: "bien", too_long: "demasiado largo", too_short: "demasiado corto" } },
        words: "{n} palabras; lo ideal, {low}\u2013{high}", quoted: "En tu mensaje:",
        rewrite: "Un cambio", insteadOf: "En lugar de:", write: "Escribe:",
        answered: "Ya respondiste a esta comprobación; vale tu primera respuesta.",
        empty: "Escribe algo primero, u omite este paso.",
        tooLong: "Es demasiado largo para comprobarlo. Acórtalo e inténtalo de nuevo.",
      },
    },
    de: {
      launcher: "Ein Gespräch üben", hide: "Übungs-Chat ausblenden",
      unread: (n) => (n === 1 ? "1 neue Antwort" : n + " neue Antworten"),
      title: "Gesprächsübung", titleWith: "Üben mit {name}",
      intro: "Lerne jemand Neues kennen und übe, echtes Interesse zu zeigen.",
      widget: "Gesprächsübung", close: "Übungs-Chat schließen", change: "Wechseln",
      trust: "Vertrauen", trustLabel: "Das Vertrauen in dich",
      moods: { guarded: "zurückhaltend", neutral: "neutral", warm: "herzlich", won: "gewonnen" },
      stages: { opening: "Eröffnung", rapport: "guter Draht", discovery: "Kennenlernen", opportunity: "Gelegenheit",
        closing: "Abschluss", ended: "beendet", cooling: "kühlt ab" },
      trustValue: "{mood}, {pct}", trustStage: "Phase: {stage}",
      trustUp: "Das Vertrauen von {name} ist auf {pct} gestiegen: {mood}.",
      trustDown: "Das Vertrauen von {name} ist auf {pct} gesunken: {mood}.",
      who: "Wen du triffst", difficulty: "Schwierigkeit", levels: { easy: "Leicht", normal: "Normal", hard: "Schwer" },
      start: "Starten", startOver: "Neu starten", switchTo: "Wechseln", at: "{role} bei {company}",
      confirmOver: "Mit {name} neu starten? Dieses Gespräch bleibt unbeendet, ohne Auswertung.",
      confirmSwitch: "Zu {name} wechseln? Dein Gespräch mit {current} bleibt unbeendet, ohne Auswertung.",
      keep: "Weiterreden", scene: "Die Szene:", conversation: "Gespräch",
      you: "Du", partner: "Dein Gegenüber", typing: "{name} schreibt",
      queued: "Wird gesendet, sobald {name} fertig ist", queuedSaid: "Deine Nachricht wird gesendet, sobald {name} fertig ist.",
      message: "Deine Nachricht", placeholder: "Schreib deine Nachricht\u2026", send: "Senden",
      hint: "Umschalt+Enter: neue Zeile",
      left: (n) => (n === 1 ? "Noch 1 Zeichen" : "Noch " + n + " Zeichen"),
      end: "Beenden & Auswertung", endShort: "Beenden", retry: "Erneut versuchen",
      genuine: "Echtes Interesse", missed: "Chance auf Verbindung verpasst", score: "Punkte",
      tip: "Tipp:", worked: "Gut", hurt: "Hat geschadet",
      moves: {
        follow_up_question: "Nachfrage", new_topic_question: "Neue Frage", mirror_question: "Gegenfrage",
        reflection: "Gespiegelt", acknowledgement: "Anerkennung", self_disclosure: "Von dir erzählt",
        self_focus: "Auf dich bezogen", pitch: "Verkaufsgespräch", topic_hijack: "Thema an dich gerissen",
        minimal: "Knappe Antwort", dismissive: "Abweisend",
      },
      notSetUp: "Dieser Übungs-Chat ist für diese Website noch nicht eingerichtet und kann deshalb nicht starten. Bitte versuche es später noch einmal.",
      offline: "Der Übungsserver ist nicht erreichbar. Prüfe deine Verbindung und versuche es erneut.",
      dropped: "Die Verbindung brach ab, bevor die Antwort fertig war.",
      unavailable: "{name} kann gerade nicht antworten. Deine Nachricht ist gespeichert; versuche es gleich noch einmal.",
      slowDown: "Du sendest sehr schnell; versuche es in {s} s erneut.",
      slowDownSoon: "Du sendest sehr schnell; versuche es gleich noch einmal.",
      concurrent: "Gleichzeitig wurde eine andere Nachricht beantwortet.",
      inProgress: "Deine vorige Nachricht wird noch beantwortet; sende diese gleich.",
      rejected: "Diese Nachricht ließ sich so nicht senden. Bearbeite sie und versuche es erneut.",
      tooLong: "Diese Nachricht ist zu lang. Kürze sie und versuche es erneut.",
      gone: "Dieses Gespräch ist nicht mehr verfügbar. Beginne ein neues.",
      server: "Bei uns ist etwas schiefgelaufen. Versuche es gleich noch einmal.",
      noReply: "{name} hat auf deine letzte Nachricht noch nicht geantwortet.",
      earlier: "Eine frühere Nachricht wartet noch auf eine Antwort.",
      scorecard: "Deine Auswertung",
      outcomes: { warm_close: "Herzlicher Abschluss: gern in Kontakt bleiben",
        neutral_close: "Höflicher Abschluss: freundlich, aber noch keine echte Verbindung",
        walked_away: "Dein Gegenüber ist gegangen" },
      ended: "Gespräch beendet", turns: (n) => (n === 1 ? "1 Runde" : n + " Runden"),
      stats: { genuine: "Echtes Interesse", mean: "Durchschnitt", questions: "Fragen", followUps: "Nachfragen",
        talk: "Dein Redeanteil", pitch: "Erster Pitch" },
      none: "keiner", turnN: "Runde {n}", chart: "Vertrauen und Punkte pro Runde",
      chartTrust: "Vertrauen pro Runde: {list}.", chartScore: "Punkte pro Runde: {list}.",
      legendTrust: "Vertrauen", legendScore: "Punkte pro Runde",
      highlights: "Höhepunkte", tips: "Tipps", best: "Am besten", rework: "Zum Überarbeiten", again: "Noch einmal üben",
      followups: { // not yet reviewed by a native speaker (see above)
        recallTitle: "Was hast du über {name} erfahren?",
        recallHint: "Schreib auf, was {name} dir erzählt hat. Es wird einmal mit dem verglichen, was wirklich gesagt wurde.",
        recallLabel: "Was du über {name} noch weißt", recallSend: "Erinnerung prüfen",
        noteTitle: "Entwirf deine Follow-up-Nachricht",
        noteHint: "Die Nachricht, die du {name} morgen schicken würdest. Du kannst sie beliebig oft überarbeiten.",
        noteLabel: "Deine Follow-up-Nachricht an {name}", noteSend: "Rückmeldung zur Nachricht",
        skip: "Überspringen", skipped: "Übersprungen.", undoSkip: "Doch machen", checking: "Wird geprüft\u2026",
        score: "Erinnerung: {score} von 100", recalled: "Erinnert", missed: "Vergessen",
        misremembered: "Falsch erinnert", invented: "So nicht gesagt", nothing: "nichts",
        good: "Bereit zum Senden.", notYet: "Ein weiterer Entwurf lohnt sich.",
        labels: { specific: "Konkret", thanks: "Dank", ask: "Bitte", length: "Länge" },
        verdicts: { specific: { yes: "ja", no: "noch nicht" }, thanks: { fine: "passt", grovelling: "übertrieben", missing: "fehlt" },
          ask: { none: "keine Bitte", fine: "klar", unclear: "unklar", too_many: "zu viele", too_big: "zu groß" },
          length: { fine: "passt", too_long: "zu lang", too_short: "zu kurz" } },
        words: "{n} Wörter; ideal sind {low}\u2013{high}", quoted: "In deiner Nachricht:",
        rewrite: "Eine Änderung", insteadOf: "Statt:", write: "Schreib:",
        answered: "Du hast diese Prüfung schon beantwortet; deine erste Antwort gilt.",
        empty: "Schreib zuerst etwas oder überspringe diesen Schritt.",
        tooLong: "Das ist zu lang zum Prüfen. Kürze es und versuche es erneut.",
      },
    },
    ar: {
      launcher: "تدرّب على محادثة", hide: "إخفاء محادثة التدريب",
      unread: (n) => (n === 1 ? "ردّ جديد واحد" : n === 2 ? "ردّان جديدان" : n <= 10 ? n + " ردود جديدة" : n + " ردًّا جديدًا"),
      title: "التدرّب على المحادثة", titleWith: "تدرّب مع {name}",
      intro: "تعرّف على شخص جديد وتدرّب على إظهار اهتمام حقيقي.",
      widget: "التدرّب على المحادثة", close: "إغلاق محادثة التدريب", change: "تغيير",
      trust: "الثقة", trustLabel: "ثقة محاورك بك",
      moods: { guarded: "متحفّظة", neutral: "محايدة", warm: "ودودة", won: "كاملة" },
      stages: { opening: "البداية", rapport: "التقارب", discovery: "الاستكشاف", opportunity: "الفرصة",
        closing: "الختام", ended: "انتهت", cooling: "فتور" },
      trustValue: "{mood}، {pct}", trustStage: "المرحلة: {stage}",
      trustUp: "ارتفعت ثقة {name} إلى {pct}: {mood}.", trustDown: "انخفضت ثقة {name} إلى {pct}: {mood}.",
      who: "من ستقابل", difficulty: "مستوى الصعوبة", levels: { easy: "سهل", normal: "عادي", hard: "صعب" },
      start: "ابدأ", startOver: "ابدأ من جديد", switchTo: "بدّل", at: "{role} في {company}",
      confirmOver: "أتريد البدء من جديد مع {name}؟ ستبقى هذه المحادثة غير مكتملة وبلا بطاقة نتائج.",
      confirmSwitch: "أتريد الانتقال إلى {name}؟ ستبقى محادثتك مع {current} غير مكتملة وبلا بطاقة نتائج.",
      keep: "تابع المحادثة", scene: "المشهد:", conversation: "المحادثة",
      you: "أنت", partner: "محاورك", typing: "جارٍ كتابة ردّ {name}",
      queued: "ستُرسل بعد انتهاء ردّ {name}", queuedSaid: "ستُرسل رسالتك بعد انتهاء ردّ {name}.",
      message: "رسالتك", placeholder: "اكتب رسالتك\u2026", send: "إرسال",
      hint: "Shift+Enter لسطر جديد",
      left: (n) => "متبقٍّ: " + n,
      end: "إنهاء وعرض النتائج", endShort: "إنهاء", retry: "أعد المحاولة",
      genuine: "اهتمام حقيقي", missed: "فاتتك فرصة للتواصل", score: "النتيجة",
      tip: "نصيحة:", worked: "أفاد", hurt: "أضرّ",
      moves: {
        follow_up_question: "سؤال متابعة", new_topic_question: "سؤال جديد", mirror_question: "سؤال مرتدّ",
        reflection: "إعادة صياغة", acknowledgement: "إقرار", self_disclosure: "تحدّثت عن نفسك",
        self_focus: "تركيز على نفسك", pitch: "عرض ترويجي", topic_hijack: "خطف الحديث",
        minimal: "ردّ مقتضب", dismissive: "استخفاف",
      },
      notSetUp: "محادثة التدريب هذه غير مفعّلة لهذا الموقع بعد، لذا لا يمكن أن تبدأ. حاول مرة أخرى لاحقًا.",
      offline: "تعذّر الوصول إلى خادم التدريب. تحقّق من اتصالك وحاول مرة أخرى.",
      dropped: "انقطع الاتصال قبل اكتمال الردّ.",
      unavailable: "تعذّر الحصول على ردّ {name} الآن. رسالتك محفوظة؛ حاول مرة أخرى بعد قليل.",
      slowDown: "ترسل الرسائل بسرعة؛ حاول مرة أخرى بعد {s} ث.",
      slowDownSoon: "ترسل الرسائل بسرعة؛ حاول مرة أخرى بعد قليل.",
      concurrent: "كانت رسالة أخرى قيد الردّ في اللحظة نفسها.",
      inProgress: "ما زال الردّ على رسالتك السابقة قيد الكتابة؛ أرسل هذه بعد قليل.",
      rejected: "تعذّر إرسال هذه الرسالة كما هي. عدّلها وحاول مرة أخرى.",
      tooLong: "هذه الرسالة طويلة جدًا. اختصرها وحاول مرة أخرى.",
      gone: "لم تعد هذه المحادثة متاحة. ابدأ محادثة جديدة.",
      server: "حدث خطأ من جهتنا. حاول مرة أخرى بعد قليل.",
      noReply: "لم يصل بعدُ ردّ {name} على رسالتك الأخيرة.",
      earlier: "ما زالت رسالة سابقة تنتظر ردًّا.",
      scorecard: "بطاقة نتائجك",
      outcomes: { warm_close: "ختام دافئ: رغبة في البقاء على تواصل",
        neutral_close: "ختام مهذّب: ودّي، لكن دون تواصل حقيقي بعد", walked_away: "انسحب محاورك" },
      ended: "انتهت المحادثة",
      turns: (n) => (n === 1 ? "دور واحد" : n === 2 ? "دوران" : n <= 10 ? n + " أدوار" : n + " دورًا"),
      stats: { genuine: "اهتمام حقيقي", mean: "متوسط النتيجة", questions: "الأسئلة", followUps: "أسئلة المتابعة",
        talk: "نسبة حديثك", pitch: "أول عرض ترويجي" },
      none: "لا يوجد", turnN: "الدور {n}", chart: "الثقة والنتيجة في كل دور",
      chartTrust: "الثقة في كل دور: {list}.", chartScore: "النتيجة في كل دور: {list}.",
      legendTrust: "الثقة", legendScore: "النتيجة في كل دور",
      highlights: "أبرز اللحظات", tips: "نصائح", best: "الأفضل", rework: "يحتاج إلى تحسين", again: "تدرّب مرة أخرى",
      followups: { // not yet reviewed by a native speaker (see above)
        recallTitle: "ماذا عرفت عن {name}؟",
        recallHint: "اكتب ما تتذكّر أن {name} أخبرك به. يُقارَن مرة واحدة بما قيل فعلًا.",
        recallLabel: "ما تتذكّره عن {name}", recallSend: "تحقّق ممّا تذكّرته",
        noteTitle: "اكتب مسودة رسالة المتابعة",
        noteHint: "الرسالة التي سترسلها إلى {name} غدًا. يمكنك إعادة كتابتها كلما شئت.",
        noteLabel: "رسالة متابعتك إلى {name}", noteSend: "احصل على ملاحظات على رسالتك",
        skip: "تخطَّ", skipped: "تم التخطي.", undoSkip: "أريد القيام بها", checking: "جارٍ التحقق\u2026",
        score: "نتيجة التذكّر: {score} من 100", recalled: "ما تذكّرته", missed: "ما فاتك",
        misremembered: "ما تذكّرته خطأً", invented: "لم يُقل", nothing: "لا شيء",
        good: "جاهزة للإرسال.", notYet: "تستحق مسودة أخرى.",
        labels: { specific: "التحديد", thanks: "الشكر", ask: "الطلب", length: "الطول" },
        verdicts: { specific: { yes: "نعم", no: "ليس بعد" }, thanks: { fine: "مناسب", grovelling: "مبالغ فيه", missing: "غائب" },
          ask: { none: "لا طلب", fine: "واضح", unclear: "غير واضح", too_many: "طلبات كثيرة", too_big: "طلب كبير" },
          length: { fine: "مناسب", too_long: "طويلة جدًا", too_short: "قصيرة جدًا" } },
        words: "{n} كلمة؛ الأنسب {low}\u2013{high}", quoted: "في رسالتك:",
        rewrite: "تغيير واحد", insteadOf: "بدلًا من:", write: "اكتب:",
        answered: "لقد أجبت عن هذا التحقق من قبل؛ تبقى إجابتك الأولى.",
        empty: "اكتب شيئًا أولًا، أو تخطَّ هذه الخطوة.",
        tooLong: "النص أطول من أن يُفحص. اختصره وحاول مرة أخرى.",
      },
    },
    he: {
      launcher: "תרגול שיחה", hide: "הסתרת צ'אט התרגול",
      unread: (n) => (n === 1 ? "תשובה חדשה אחת" : n + " תשובות חדשות"),
      title: "תרגול שיחה", titleWith: "תרגול עם {name}",
      intro: "הכירו מישהו חדש ותרגלו הבעת עניין אמיתי.",
      widget: "תרגול שיחה", close: "סגירת צ'אט התרגול", change: "החלפה",
      trust: "אמון", trustLabel: "רמת האמון בך",
      moods: { guarded: "הסתייגות", neutral: "ניטרליות", warm: "חמימות", won: "אמון מלא" },
      stages: { opening: "פתיחה", rapport: "קרבה", discovery: "היכרות", opportunity: "הזדמנות",
        closing: "סיום", ended: "הסתיימה", cooling: "התקררות" },
      trustValue: "{mood}, {pct}", trustStage: "שלב: {stage}",
      trustUp: "האמון של {name} עלה ל-{pct}: {mood}.", trustDown: "האמון של {name} ירד ל-{pct}: {mood}.",
      who: "את מי תפגשו", difficulty: "רמת קושי", levels: { easy: "קל", normal: "רגיל", hard: "קשה" },
      start: "התחלה", startOver: "התחלה מחדש", switchTo: "החלפה", at: "{role} ב-{company}",
      confirmOver: "להתחיל מחדש עם {name}? השיחה הזאת תישאר לא גמורה, בלי כרטיס תוצאות.",
      confirmSwitch: "לעבור אל {name}? השיחה עם {current} תישאר לא גמורה, בלי כרטיס תוצאות.",
      keep: "להמשיך לדבר", scene: "הסצנה:", conversation: "שיחה",
      you: "את/ה", partner: "בן/בת השיח", typing: "התשובה של {name} נכתבת",
      queued: "תישלח אחרי התשובה של {name}", queuedSaid: "ההודעה שלך תישלח אחרי התשובה של {name}.",
      message: "ההודעה שלך", placeholder: "כתבו הודעה\u2026", send: "שליחה",
      hint: "Shift+Enter לשורה חדשה",
      left: (n) => (n === 1 ? "נותר תו אחד" : "נותרו " + n + " תווים"),
      end: "סיום והצגת התוצאות", endShort: "סיום", retry: "ניסיון חוזר",
      genuine: "עניין אמיתי", missed: "הוחמצה הזדמנות להתחבר", score: "ציון",
      tip: "טיפ:", worked: "עבד", hurt: "פגע",
      moves: {
        follow_up_question: "שאלת המשך", new_topic_question: "שאלה חדשה", mirror_question: "שאלה חוזרת",
        reflection: "שיקוף", acknowledgement: "הכרה", self_disclosure: "שיתוף על עצמך",
        self_focus: "התמקדות בעצמך", pitch: "הצעת מכר", topic_hijack: "חטיפת נושא",
        minimal: "תשובה מינימלית", dismissive: "ביטול",
      },
      notSetUp: "צ'אט התרגול הזה עדיין לא מוגדר לאתר הזה, ולכן אי אפשר להתחיל. נסו שוב מאוחר יותר.",
      offline: "אין חיבור לשרת התרגול. בדקו את החיבור ונסו שוב.",
      dropped: "החיבור נותק לפני שהתשובה הושלמה.",
      unavailable: "אי אפשר לקבל כרגע תשובה מ-{name}. ההודעה שלך נשמרה; נסו שוב בעוד רגע.",
      slowDown: "ההודעות נשלחות מהר מדי; נסו שוב בעוד {s} שניות.",
      slowDownSoon: "ההודעות נשלחות מהר מדי; נסו שוב בעוד רגע.",
      concurrent: "הודעה אחרת נענתה באותו רגע.",
      inProgress: "ההודעה הקודמת שלך עדיין נענית; שלחו את זו בעוד רגע.",
      rejected: "אי אפשר לשלוח את ההודעה כמו שהיא. ערכו אותה ונסו שוב.",
      tooLong: "ההודעה ארוכה מדי. קצרו אותה ונסו שוב.",
      gone: "השיחה הזאת כבר לא זמינה. התחילו שיחה חדשה.",
      server: "משהו השתבש אצלנו. נסו שוב בעוד רגע.",
      noReply: "עדיין אין תשובה מ-{name} להודעה האחרונה שלך.",
      earlier: "הודעה קודמת עדיין ממתינה לתשובה.",
      scorecard: "כרטיס התוצאות שלך",
      outcomes: { warm_close: "סיום חם: רצון להישאר בקשר",
        neutral_close: "סיום מנומס: ידידותי, אבל עדיין בלי חיבור אמיתי", walked_away: "הצד השני הלך" },
      ended: "השיחה הסתיימה", turns: (n) => (n === 1 ? "תור אחד" : n + " תורות"),
      stats: { genuine: "עניין אמיתי", mean: "ציון ממוצע", questions: "שאלות", followUps: "שאלות המשך",
        talk: "חלקך בשיחה", pitch: "הצעת המכר הראשונה" },
      none: "אין", turnN: "תור {n}", chart: "אמון וציון בכל תור",
      chartTrust: "אמון בכל תור: {list}.", chartScore: "ציון בכל תור: {list}.",
      legendTrust: "אמון", legendScore: "ציון בכל תור",
      highlights: "רגעים בולטים", tips: "טיפים", best: "הכי טוב", rework: "לשיפור", again: "תרגול נוסף",
      followups: { // not yet reviewed by a native speaker (see above)
        recallTitle: "מה למדת על {name}?",
        recallHint: "כתבו מה זכור לכם ש-{name} סיפר/ה. הבדיקה נעשית פעם אחת, מול מה שנאמר בפועל.",
        recallLabel: "מה זכור לך על {name}", recallSend: "בדיקת הזיכרון",
        noteTitle: "טיוטת הודעת המשך",
        noteHint: "ההודעה שהייתם שולחים ל-{name} מחר. אפשר לנסח אותה שוב ושוב.",
        noteLabel: "הודעת ההמשך שלך ל-{name}", noteSend: "קבלת משוב על ההודעה",
        skip: "דילוג", skipped: "דילגת.", undoSkip: "בכל זאת", checking: "בבדיקה\u2026",
        score: "ציון זיכרון: {score} מתוך 100", recalled: "נזכרת", missed: "פספסת",
        misremembered: "זכרת לא נכון", invented: "לא נאמר", nothing: "אין",
        good: "מוכנה לשליחה.", notYet: "שווה טיוטה נוספת.",
        labels: { specific: "ספציפיות", thanks: "תודה", ask: "בקשה", length: "אורך" },
        verdicts: { specific: { yes: "כן", no: "עדיין לא" }, thanks: { fine: "מתאימה", grovelling: "מוגזמת", missing: "חסרה" },
          ask: { none: "אין בקשה", fine: "ברורה", unclear: "לא ברורה", too_many: "יותר מדי", too_big: "גדולה מדי" },
          length: { fine: "מתאים", too_long: "ארוך מדי", too_short: "קצר מדי" } },
        words: "{n} מילים; מומלץ {low}\u2013{high}", quoted: "בהודעה שלך:",
        rewrite: "שינוי אחד", insteadOf: "במקום:", write: "לכתוב:",
        answered: "כבר עניתם על הבדיקה הזאת; התשובה הראשונה נשארת.",
        empty: "כתבו משהו קודם, או דלגו על השלב.",
        tooLong: "הטקסט ארוך מדי לבדיקה. קצרו אותו ונסו שוב.",
      },
    },
  };
  const RTL_LANGUAGES = new Set(["ar", "he"]);

  // The widget speaks the site's language when it knows it: data-lang, then <html lang>, then
  // the visitor's browser; anything else is English.
  function pickLanguage() {
    const wanted = [data.lang, document.documentElement.lang].concat(navigator.languages || [navigator.language]);
    for (const tag of wanted) {
      const base = String(tag || "").toLowerCase().split(/[-_]/)[0];
      if (base === "iw") return "he"; // the old code for Hebrew, still sent by some systems
      if (CATALOGUE[base]) return base;
    }
    return "en";
  }
  const LANG = pickLanguage();
  const DIR = RTL_LANGUAGES.has(LANG) ? "rtl" : "ltr";
  const TEXT = CATALOGUE[LANG];
  // data-position: a side of the screen, or start/end of the widget's reading direction (default).
  const SIDE = { left: "left", right: "right", start: DIR === "rtl" ? "right" : "left",
    end: DIR === "rtl" ? "left" : "right" }[data.position] || (DIR === "rtl" ? "left" : "right");

  function t(key, vars) {
    let text = key.split(".").reduce((o, k) => (o == null ? o : o[k]), TEXT);
    if (text == null) text = key.split(".").reduce((o, k) => (o == null ? o : o[k]), CATALOGUE.en);
    if (typeof text === "function") return text(vars);
    return String(text == null ? key : text).replace(/\{(\w+)\}/g, (m, name) => (vars && name in vars ? vars[name] : m));
  }

  const percent = new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 0 });
  const pct = (x) => percent.format(x);
  const num = (n) => new Intl.NumberFormat(LANG).format(n);
  const clock = new Intl.DateTimeFormat(LANG, { hour: "numeric", minute: "2-digit" });
  const dated = new Intl.DateTimeFormat(LANG, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
  const when = (d) => (d.toDateString() === new Date().toDateString() ? clock : dated).format(d);

  const NEGATIVE_MOVES = new Set(["self_focus", "pitch", "topic_hijack", "minimal", "dismissive"]);

  // ------------------------------------------------------------------ storage
  // Storage can be blocked (privacy modes, sandboxed frames): the widget then works from memory,
  // and a reload simply starts over instead of failing.
  function storageSlot(area, key) {
    let memory = {};
    const backend = () => { try { return window[area]; } catch (e) { return null; } };
    return {
      get() {
        try {
          const raw = backend().getItem(key);
          return raw === null ? Object.assign({}, memory) : JSON.parse(raw);
        } catch (e) { return Object.assign({}, memory); }
      },
      set(patch) {
        memory = Object.assign(this.get(), patch);
        try { backend().setItem(key, JSON.stringify(memory)); } catch (e) { /* memory only, see above */ }
      },
    };
  }

  // The conversation (its id, its token, when each message was said) is the visitor's, in every
  // tab and on the next visit: localStorage. What this tab shows (open, the draft, unread
  // replies) belongs to the tab: sessionStorage.
  const CONVERSATION_KEY = "rapport:" + SLOT;
  const conversationStore = storageSlot("localStorage", CONVERSATION_KEY);
  const tabStore = storageSlot("sessionStorage", "rapport-tab:" + SLOT);
  // Before conversations were shared by tabs they lived in sessionStorage under the same name.
  (function adoptTabConversation() {
    const old = storageSlot("sessionStorage", CONVERSATION_KEY).get();
    if (old.id && !conversationStore.get().id) {
      conversationStore.set({ id: old.id, token: old.token || null, persona_id: old.persona_id, difficulty: old.difficulty });
    }
    if (old.draft) tabStore.set({ draft: old.draft, open: old.open });
    try { sessionStorage.removeItem(CONVERSATION_KEY); } catch (e) { /* nothing to clean */ }
  })();

  // Who the visitor is, across visits, so that a persona can remember them. A publishable key
  // may not name its learners: the server hands out a visitor token to send back. Without such
  // a key (open mode, or a server's own key) the widget names the learner itself, at random.
  const PUBLISHABLE = KEY.startsWith("pk_");
  const visitorStore = storageSlot("localStorage", "rapport-visitor:" + SLOT);
  function learnerRef() {
    let ref = visitorStore.get().learner;
    if (!ref) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      ref = "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      visitorStore.set({ learner: ref });
    }
    return ref;
  }

  function tokenHeaders(method, path) {
    if (method === "POST" && path === "/v1/conversations") {
      const token = visitorStore.get().token;
      return token ? { "X-Rapport-Visitor-Token": token } : {};
    }
    const saved = conversationStore.get();
    const own = saved.id && "/v1/conversations/" + encodeURIComponent(saved.id);
    if (own && saved.token && (path === own || path.startsWith(own + "/"))) {
      return { "X-Rapport-Conversation-Token": saved.token };
    }
    return {};
  }

  // ------------------------------------------------------------------ API client
  class ApiError extends Error {
    constructor(status, code, detail, extra) {
      super(detail);
      this.status = status; // 0 means the network failed before any answer arrived
      this.code = code;
      this.detail = detail;
      this.extra = extra || {};
    }
  }

  // Errors the widget makes itself carry text written for visitors; the server's `detail` is
  // written for developers and goes to the console instead (see describe()).
  const ownError = (code, text) => Object.assign(new ApiError(0, code, text), { visitorText: text });
  const networkError = (text) => ownError("network", text || t("offline"));

  function problem(body, status) {
    body = body || {};
    return new ApiError(body.status || status, body.code || "http_" + status,
      body.detail || body.title || "", body);
  }

  async function problemFrom(res) {
    let body = null;
    try { body = await res.json(); } catch (e) { /* not a problem document */ }
    return problem(body, res.status);
  }

  function headers(accept, withBody, tokens) {
    const out = Object.assign({ Accept: accept }, tokens);
    if (withBody) out["Content-Type"] = "application/json";
    if (KEY) out.Authorization = "Bearer " + KEY;
    return out;
  }

  async function call(method, path, body, accept) {
    try {
      return await fetch(API + path, {
        method, headers: headers(accept || "application/json", body !== undefined, tokenHeaders(method, path)),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw networkError();
    }
  }

  async function request(method, path, body) {
    const res = await call(method, path, body);
    if (!res.ok) throw await problemFrom(res);
    return res.json();
  }

  // EventSource cannot POST, so a turn's stream is read by hand with fetch + ReadableStream.
  // If a proxy (or an older server) answers with plain JSON instead, that answer is used as is.
  async function streamTurn(path, body, on) {
    const res = await call("POST", path, body, "text/event-stream");
    if (!res.ok) throw await problemFrom(res);
    const type = res.headers.get("content-type") || "";
    if (!type.includes("text/event-stream") || !res.body) {
      const done = await res.json();
      on.done(done);
      return done;
    }
    let result = null;
    try {
      await readEvents(res.body, (name, event) => {
        if (name === "error") throw problem(event, 503);
        if (name === "done") result = event;
        if (on[name]) on[name](event);
      });
    } catch (e) {
      throw e instanceof ApiError ? e : networkError(t("dropped"));
    }
    if (!result) throw networkError(t("dropped"));
    return result;
  }

  async function readEvents(stream, emit) {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      // Normalise CRLF (sse-starlette's separator); a trailing CR may be half of one, so keep it.
      buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n|\r(?!$)/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = parseEvent(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (event) emit(event.name, event.data);
      }
    }
  }

  function parseEvent(block) {
    let name = "message";
    const lines = [];
    for (const line of block.split("\n")) {
      if (!line || line[0] === ":") continue; // comments are keep-alive pings
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") name = value;
      else if (field === "data") lines.push(value);
    }
    if (!lines.length) return null;
    try { return { name, data: JSON.parse(lines.join("\n")) }; } catch (e) { return null; }
  }

  // ------------------------------------------------------------------ DOM helpers
  let uid = 0;
  const nextId = (prefix) => "rw-" + prefix + "-" + (++uid);

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    for (const kid of kids.flat()) if (kid !== null && kid !== undefined && kid !== false) el.append(kid);
    return el;
  }

  function s(tag, attrs, text) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    setAttrs(el, attrs);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
      else if (name === "text") el.textContent = value;
      else el.setAttribute(name, value === true ? "" : String(value));
    }
  }

  function icon(path) {
    const svg = s("svg", { viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" });
    svg.append(s("path", { d: path }));
    return svg;
  }

  // ------------------------------------------------------------------ styles (shadow-scoped)
  // Colours are variables so that dark mode is one block; each pair used for text is at least
  // 4.5:1 (3:1 for the focus ring and control borders), checked by axe-core in the browser tests.
  const LIGHT = `color-scheme: light;
  --bg: #ffffff; --surface: #f5f7fb; --bubble: #eef1f6; --ink: #1d2433; --muted: #5b6478; --line: #dde2ec;
  --control: #7a8396; --focus: #174ea6; --good: #157347; --good-bg: #edf9f2; --good-line: #8fd0ab;
  --mixed: #8a5700; --mixed-bg: #fff7e6; --mixed-line: #e8c37a; --poor: #b42318; --poor-bg: #fff0ee;
  --poor-line: #f0a79d; --tip-bg: #1d2433; --tip-ink: #ffffff; --shadow: rgba(20, 30, 60, .25);`;
  const DARK = `color-scheme: dark;
  --bg: #14181f; --surface: #1c212b; --bubble: #262c38; --ink: #e7eaf0; --muted: #a3acbd; --line: #333a48;
  --control: #8089a0; --focus: #8ab4f8; --good: #6fd39a; --good-bg: #12301f; --good-line: #2f7a51;
  --mixed: #f2b84b; --mixed-bg: #33270d; --mixed-line: #7a5a1c; --poor: #ff8f80; --poor-bg: #3a1714;
  --poor-line: #8a3a30; --tip-bg: #e7eaf0; --tip-ink: #14181f; --shadow: rgba(0, 0, 0, .6);`;
  const SR_ONLY = "position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; margin: -1px; padding: 0; border: 0;";
  // Short screens (a phone held sideways, a laptop at 200% zoom) fold the picker away once a
  // conversation runs and put End beside the message box, so that the conversation keeps room.
  const SHORT = "(max-height: 600px)";
  // Full screen: a phone, or any screen too small for a floating panel beside the page.
  const FULL = "(max-width: 480px), (max-height: 480px)";
  const CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.rw { ${LIGHT} --accent: var(--rapport-accent, #2f5bea); --on-accent: #ffffff;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); letter-spacing: normal; word-spacing: normal; text-transform: none; text-align: start;
  -webkit-tap-highlight-color: transparent; /* a tap shows its own state; keyboards get the ring */ }
.rw[data-theme="dark"] { ${DARK} }
@media (prefers-color-scheme: dark) { .rw[data-theme="auto"] { ${DARK} } }
button, select, textarea { font: inherit; color: inherit; letter-spacing: normal; text-transform: none; margin: 0; }
button { cursor: pointer; border-radius: 10px; border: 1px solid var(--control); background: var(--bg); color: var(--ink);
  padding: 8px 14px; min-height: 44px; min-width: 44px; line-height: 1.2; box-shadow: none; }
button:disabled, select:disabled, textarea:disabled { opacity: .6; cursor: not-allowed; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--on-accent); font-weight: 600; }
.rw :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; box-shadow: 0 0 0 2px var(--bg); }
.sr { ${SR_ONLY} }
.launcher { position: fixed; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 999px; padding: 12px 20px;
  min-height: 52px; background: var(--accent); color: var(--on-accent); font-weight: 600;
  box-shadow: 0 6px 20px rgba(20, 30, 60, .28); display: flex; align-items: center; gap: 8px; }
.rw .launcher:focus-visible { outline-color: #1d2433; box-shadow: 0 0 0 2px #ffffff, 0 6px 20px rgba(20, 30, 60, .28); }
.launcher svg { width: 22px; height: 22px; fill: currentColor; flex: none; }
.launcher .shut { display: none; }
.open .launcher { width: 56px; height: 56px; padding: 0; justify-content: center; }
.open .launcher .label { ${SR_ONLY} }
.open .launcher .chat { display: none; } .open .launcher .shut { display: block; }
.badge { position: absolute; top: -6px; inset-inline-end: -4px; min-width: 24px; height: 24px; padding: 0 6px;
  border-radius: 12px; background: #b42318; color: #ffffff; border: 2px solid #ffffff; font-size: 12px;
  font-weight: 700; line-height: 20px; text-align: center; }
.badge::after { content: attr(data-count); }
.right .launcher, .right .panel { right: 20px; } .left .launcher, .left .panel { left: 20px; }
.panel { position: fixed; bottom: 88px; z-index: 2147483001; width: min(400px, calc(100vw - 40px));
  height: min(680px, calc(100vh - 108px)); display: grid; grid-template-columns: minmax(0, 1fr) auto;
  grid-template-rows: auto auto auto minmax(0, 1fr) auto auto auto;
  grid-template-areas: "head head" "setup setup" "confirm confirm" "log log" "alert alert" "composer composer" "actions actions";
  overflow: hidden; background: var(--bg); color: var(--ink); border: 1px solid var(--line); border-radius: 16px;
  box-shadow: 0 18px 48px var(--shadow); }
@supports (height: 100dvh) { .panel { height: min(680px, calc(100dvh - 108px)); } }
.head { grid-area: head; display: flex; align-items: center; gap: 10px; padding: 10px; padding-inline-start: 14px;
  background: var(--surface); border-bottom: 1px solid var(--line); }
.avatar { flex: none; width: 40px; height: 40px; border-radius: 50%; background: var(--accent); color: var(--on-accent);
  display: grid; place-items: center; font-weight: 700; font-size: 17px; }
.titles { flex: 1; min-width: 0; }
h2 { font-size: 16px; margin: 0; font-weight: 700; line-height: 1.3; overflow-wrap: anywhere; }
.who { margin: 0; color: var(--muted); font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.meter { display: flex; align-items: center; gap: 6px; margin-top: 3px; font-size: 12.5px; color: var(--muted); }
.meter .bar { width: 88px; height: 8px; border-radius: 8px; background: var(--line); overflow: hidden; flex: none; }
.meter .fill { display: block; height: 100%; width: 50%; background: var(--mixed); transition: width .4s, background-color .4s; }
.bare { border: 0; background: transparent; padding: 0 10px; font-weight: 600; font-size: 14px; }
.close { font-size: 26px; line-height: 1; font-weight: 400; }
.change { display: none; }
.setup { grid-area: setup; display: grid; grid-template-columns: minmax(0, 1fr) auto auto; gap: 8px; align-items: end;
  padding: 10px 14px; border-bottom: 1px solid var(--line); }
.setup label { display: grid; gap: 2px; font-size: 12.5px; color: var(--muted); min-width: 0; }
select { width: 100%; font-size: 15px; min-height: 44px; border: 1px solid var(--control); border-radius: 10px;
  padding: 4px 8px; background: var(--bg); color: var(--ink); }
.preview { grid-column: 1 / -1; margin: 0; font-size: 13px; color: var(--muted); }
.confirm { grid-area: confirm; display: flex; flex-wrap: wrap; gap: 8px; padding: 10px 14px; background: var(--mixed-bg);
  color: var(--ink); border-bottom: 1px solid var(--mixed-line); }
.confirm p { margin: 0; flex: 1 1 100%; font-size: 14px; }
.log { grid-area: log; min-height: 0; overflow-y: auto; overflow-x: hidden; overscroll-behavior: contain; padding: 14px;
  display: flex; flex-direction: column; gap: 10px; }
.scene { margin: 0; padding: 10px 12px; border-radius: 10px; background: var(--surface); color: var(--muted); font-size: 13px; }
.row { display: flex; flex-direction: column; align-items: flex-start; max-width: 86%; }
.row.user { align-self: flex-end; align-items: flex-end; }
.msg { padding: 8px 12px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere; max-width: 100%; }
.persona .msg { background: var(--bubble); border-end-start-radius: 4px; }
.user .msg { background: var(--accent); color: var(--on-accent); border-end-end-radius: 4px; }
.user .msg mark { color: inherit; background: none; text-decoration: underline 2px solid; text-underline-offset: 3px; }
.user .msg mark.bad { text-decoration-style: wavy; }
.user .msg.queued { background: var(--bg); color: var(--ink); border: 1px dashed var(--control); }
.msg.failed { outline: 2px dashed var(--poor); outline-offset: 2px; }
.meta { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 10px; font-size: 12px; color: var(--muted); }
.user .meta { justify-content: flex-end; }
.stamp { padding: 2px 4px; }
.dots { display: inline-flex; gap: 4px; padding: 6px 2px; vertical-align: middle; }
.dots i { width: 7px; height: 7px; border-radius: 50%; background: var(--muted); animation: rw-dot 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .15s; } .dots i:nth-child(3) { animation-delay: .3s; }
@keyframes rw-dot { 0%, 60%, 100% { opacity: .35; transform: none; } 30% { opacity: 1; transform: translateY(-3px); } }
.feedback { position: relative; display: flex; flex-direction: column; align-items: flex-end; }
.chip { border: 0; background: transparent; padding: 0; min-height: 44px; display: inline-flex; align-items: center; border-radius: 999px; }
.rw .chip:focus-visible { outline-offset: 0; }
.pill { display: inline-flex; gap: 6px; align-items: center; font-size: 12.5px; font-weight: 600; padding: 3px 10px;
  border-radius: 999px; border: 1px solid; }
.pill.good { color: var(--good); background: var(--good-bg); border-color: var(--good-line); }
.pill.mixed { color: var(--mixed); background: var(--mixed-bg); border-color: var(--mixed-line); }
.pill.poor { color: var(--poor); background: var(--poor-bg); border-color: var(--poor-line); }
.tip { display: none; position: absolute; inset-inline-end: 0; top: 100%; z-index: 3; width: max-content;
  max-width: min(290px, 78vw); padding: 10px 12px; border-radius: 10px; background: var(--tip-bg); color: var(--tip-ink);
  font-size: 13px; line-height: 1.4; box-shadow: 0 6px 16px rgba(0, 0, 0, .25); white-space: normal; text-align: start; }
.feedback.show .tip { display: block; }
.feedback.above .tip { top: auto; bottom: 100%; }
.tip p { margin: 0; }
.tip ul { margin: 6px 0 0; padding-inline-start: 18px; }
.tip li { margin: 2px 0; }
@media (hover: none) {
  /* A tapped tip opens in the flow, under its chip: it never covers the reply. */
  .tip, .feedback.above .tip { position: static; width: auto; max-width: 100%; margin-bottom: 4px; box-shadow: none; }
  .feedback.show { flex: 1 1 100%; }
}
.alert { grid-area: alert; margin: 0 14px 8px; padding: 8px 10px; border-radius: 10px; background: var(--poor-bg);
  color: var(--poor); border: 1px solid var(--poor-line); display: flex; gap: 8px; align-items: center; font-size: 13.5px; }
.alert p { margin: 0; flex: 1; }
.alert button { background: var(--bg); }
.composer { grid-area: composer; display: flex; gap: 8px; align-items: flex-end; padding: 10px 14px; border-top: 1px solid var(--line); }
textarea { flex: 1; min-width: 0; resize: none; min-height: 44px; max-height: 140px; border: 1px solid var(--control);
  border-radius: 12px; padding: 10px 12px; font-size: 16px; line-height: 1.35; background: var(--bg); color: var(--ink); }
textarea::placeholder { color: var(--muted); opacity: 1; }
.actions { grid-area: actions; display: flex; justify-content: space-between; align-items: center; gap: 8px;
  padding: 0 14px 10px; font-size: 13px; }
.actions button { white-space: nowrap; }
.count { color: var(--muted); }
.count.low { color: var(--poor); font-weight: 600; }
.end .short { display: none; }
.scorecard { border: 1px solid var(--line); border-radius: 12px; padding: 12px; background: var(--surface); }
.scorecard:focus { outline: none; }
.scorecard h3 { margin: 0 0 4px; font-size: 16px; }
.scorecard h4 { margin: 12px 0 4px; font-size: 14px; }
.scorecard p { margin: 0 0 6px; }
.scorecard ul { margin: 0; padding-inline-start: 18px; }
.scorecard li { margin: 3px 0; }
.stats { display: grid; grid-template-columns: repeat(3, 1fr); gap: 6px; margin: 8px 0; }
.stats div { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 6px; text-align: center; }
.stats dt { font-size: 11.5px; color: var(--muted); }
.stats dd { margin: 0; font-weight: 700; font-size: 16px; }
.chart { width: 100%; height: auto; display: block; margin-top: 6px; direction: ltr; }
.chart .grid { stroke: var(--line); } .chart .axis { fill: var(--muted); font-size: 10px; }
.chart .bar.good { fill: var(--good-bg); stroke: var(--good); } .chart .bar.mixed { fill: var(--mixed-bg); stroke: var(--mixed); }
.chart .bar.poor { fill: var(--poor-bg); stroke: var(--poor); }
.trust-line { stroke: var(--accent); } .trust-dot { fill: var(--accent); }
.legend { display: flex; gap: 14px; font-size: 12.5px; color: var(--ink); }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-inline-end: 4px; border-radius: 2px; vertical-align: -1px; }
.legend .trust::before { background: var(--accent); } .legend .score::before { background: var(--mixed-bg); border: 1px solid var(--mixed); }
.next { margin-top: 10px; }
.followup { margin-top: 14px; padding-top: 10px; border-top: 1px solid var(--line); }
.followup h4 { margin-top: 0; }
.scorecard h5 { margin: 10px 0 2px; font-size: 13.5px; }
.followup textarea { display: block; width: 100%; flex: none; min-height: 96px; max-height: 220px; resize: vertical; margin: 6px 0 8px; }
.step-hint { color: var(--muted); font-size: 13px; }
.step-buttons { display: flex; flex-wrap: wrap; gap: 8px; }
.step-error { margin: 0 0 8px; padding: 6px 8px; border-radius: 8px; font-size: 13.5px; color: var(--poor);
  background: var(--poor-bg); border: 1px solid var(--poor-line); }
.step-result:focus { outline: none; }
.step-result .step-score { font-weight: 700; }
.step-score.good, .verdict.good { color: var(--good); } .step-score.mixed { color: var(--mixed); }
.step-score.poor, .verdict.poor { color: var(--poor); }
.step-none { color: var(--muted); }
.step-skipped { display: flex; align-items: center; flex-wrap: wrap; gap: 4px; color: var(--muted); }
.step-skipped .bare { color: var(--ink); text-decoration: underline; }
.scorecard .verdicts { list-style: none; padding-inline-start: 0; }
.scorecard .verdicts li { margin: 6px 0; }
.evidence q { font-style: italic; }
@media ${SHORT} {
  .rw .panel { grid-template-areas: "head head" "setup setup" "confirm confirm" "log log" "alert alert" "composer actions";
    grid-template-rows: auto auto auto minmax(0, 1fr) auto auto; }
  .head { padding-block: 4px; }
  .avatar { width: 32px; height: 32px; font-size: 14px; }
  .titles { display: flex; flex-wrap: wrap; align-items: center; column-gap: 12px; }
  .who { display: none; }
  .meter { margin-top: 0; }
  .change { display: inline-block; }
  .panel.has-conversation:not(.setup-open) .setup, .panel.confirming .setup { display: none; }
  .preview { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
  .log { padding-block: 10px; }
  .composer { padding-inline-end: 0; }
  textarea { max-height: 88px; }
  .actions { padding: 10px 14px; border-top: 1px solid var(--line); align-items: flex-end; }
  .count:not(.low) { display: none; }
  .end .long { ${SR_ONLY} } .end .short { display: inline; }
}
@media ${FULL} {
  .rw .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; border: 0; }
  .open .launcher { display: none; }
  .row { max-width: 94%; }
  select { font-size: 16px; } /* under 16px, iOS zooms the page when the control gets focus */
  .stats { grid-template-columns: repeat(2, 1fr); }
}
@media (prefers-reduced-motion: reduce) { .dots i { animation: none; opacity: .7; } .meter .fill { transition: none; } }
@media (forced-colors: active) {
  .launcher, .pill, .msg, .badge, .tip, .avatar { border: 1px solid CanvasText; }
  .dots i, .meter .fill { background: CanvasText; }
}
`;

  // ------------------------------------------------------------------ building the UI
  const ui = {};
  const FULL_SCREEN = window.matchMedia(FULL);
  const TOUCH = window.matchMedia("(hover: none) and (pointer: coarse)");

  function build() {
    const host = document.createElement("rapport-widget");
    // Inline !important beats any page rule that targets the host element itself (e.g. `* {...}`).
    host.style.cssText = "all: initial !important; display: block !important;";
    const root = host.attachShadow({ mode: "open" });
    root.append(h("style", { text: CSS }));
    ui.root = h("aside", { class: "rw " + SIDE, lang: LANG, dir: DIR, "data-theme": THEME, "aria-label": t("widget") },
      buildLauncher(), buildPanel(), buildStatus());
    root.append(ui.root);
    // After <body>, not in it (see the top of the file); a page without <body> yet waits for it.
    document.documentElement.append(host);
    ui.shadow = root;
    ui.host = host;
  }

  function buildLauncher() {
    ui.launcherLabel = h("span", { class: "label", text: t("launcher") });
    ui.badge = h("span", { class: "badge", "aria-hidden": "true", "data-testid": "rapport-unread", hidden: true });
    const chat = icon("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    chat.classList.add("chat");
    const shut = icon("M6.4 8.2 12 13.8l5.6-5.6L19 9.6l-7 7-7-7z");
    shut.classList.add("shut");
    ui.launcher = h("button", { type: "button", class: "launcher", "data-testid": "rapport-launcher",
      "aria-expanded": "false", "aria-controls": "rw-panel", onclick: () => (state.open ? close() : open()) },
    chat, shut, ui.launcherLabel, ui.badge);
    return ui.launcher;
  }

  function buildPanel() {
    ui.panel = h("section", { id: "rw-panel", class: "panel", role: "dialog", "aria-labelledby": "rw-title", hidden: true,
      onkeydown: onPanelKey },
    buildHead(), buildSetup(), buildConfirm(), buildLog(), buildAlert(), buildComposer(), buildActions());
    return ui.panel;
  }

  function buildHead() {
    ui.avatar = h("span", { class: "avatar", "aria-hidden": "true", text: "?" });
    ui.title = h("h2", { id: "rw-title", text: t("title") });
    ui.who = h("p", { class: "who", dir: "auto", text: t("intro") });
    ui.fill = h("span", { class: "fill" });
    ui.mood = h("span", { class: "mood" });
    ui.meter = h("div", { class: "meter", role: "meter", "aria-label": t("trustLabel"), "aria-valuemin": 0,
      "aria-valuemax": 100, "aria-valuenow": 50, hidden: true },
    h("span", { "aria-hidden": "true", text: t("trust") }), h("span", { class: "bar" }, ui.fill), ui.mood);
    ui.change = h("button", { type: "button", class: "bare change", "aria-expanded": "false", "aria-controls": "rw-setup",
      "data-testid": "rapport-change", text: t("change"), onclick: () => toggleSetup() });
    ui.close = h("button", { type: "button", class: "bare close", "aria-label": t("close"), text: "\u00d7", onclick: () => close() });
    return h("div", { class: "head" }, ui.avatar, h("div", { class: "titles" }, ui.title, ui.who, ui.meter), ui.change, ui.close);
  }

  function buildSetup() {
    // Persona names come from the server, in its language: dir=auto shows them the right way.
    ui.persona = h("select", { "data-testid": "rapport-persona", dir: "auto", onchange: onPickerChange });
    ui.difficulty = h("select", { "data-testid": "rapport-difficulty", onchange: onPickerChange });
    ui.start = h("button", { type: "button", class: "primary", "data-testid": "rapport-start", text: t("start"),
      onclick: () => onStartClick() });
    ui.preview = h("p", { class: "preview", id: "rw-preview", dir: "auto", "aria-live": "polite" });
    ui.setup = h("div", { class: "setup", id: "rw-setup" },
      h("label", {}, t("who"), ui.persona), h("label", {}, t("difficulty"), ui.difficulty), ui.start, ui.preview);
    return ui.setup;
  }

  function buildConfirm() {
    ui.confirmText = h("p", { id: "rw-confirm-text" });
    ui.confirmYes = h("button", { type: "button", class: "primary", "data-testid": "rapport-confirm", onclick: () => confirmStart() });
    ui.keep = h("button", { type: "button", "data-testid": "rapport-keep", text: t("keep"), onclick: () => cancelConfirm() });
    ui.confirm = h("div", { class: "confirm", role: "group", "aria-labelledby": "rw-confirm-text", hidden: true },
      ui.confirmText, ui.confirmYes, ui.keep);
    return ui.confirm;
  }

  function buildLog() {
    ui.log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": t("conversation"), tabindex: "0" }); // scrollable by keyboard before any chip exists
    return ui.log;
  }

  function buildAlert() {
    ui.alertText = h("p", {});
    ui.retry = h("button", { type: "button", "data-testid": "rapport-retry", text: t("retry"), onclick: () => runRetry() });
    ui.alert = h("div", { class: "alert", role: "alert", "data-testid": "rapport-error", hidden: true }, ui.alertText, ui.retry);
    return ui.alert;
  }

  function buildComposer() {
    ui.input = h("textarea", { id: "rw-input", "data-testid": "rapport-input", rows: 1, maxlength: MAX_CHARS,
      placeholder: t("placeholder"), "aria-describedby": "rw-hint", dir: "auto", enterkeyhint: TOUCH.matches ? "enter" : "send",
      oninput: onDraft, onkeydown: onInputKey });
    ui.send = h("button", { type: "submit", class: "primary", "data-testid": "rapport-send", text: t("send") });
    ui.composer = h("form", { class: "composer", onsubmit: (e) => { e.preventDefault(); sendFromInput(); } },
      h("label", { class: "sr", for: "rw-input", text: t("message") }), ui.input, ui.send);
    return ui.composer;
  }

  function buildActions() {
    ui.count = h("span", { class: "count", id: "rw-hint" });
    ui.end = h("button", { type: "button", class: "end", "data-testid": "rapport-end", onclick: () => endConversation() },
      h("span", { class: "long", text: t("end") }), h("span", { class: "short", "aria-hidden": "true", text: t("endShort") }));
    ui.actions = h("div", { class: "actions" }, ui.count, ui.end);
    return ui.actions;
  }

  // Announcements that are not in the conversation log (trust moving, a message queued).
  function buildStatus() {
    ui.status = h("div", { class: "sr", role: "status", "data-testid": "rapport-status" });
    return ui.status;
  }

  function announce(text) {
    ui.status.textContent = "";
    // A fresh node each time: the same words twice in a row must be read twice.
    setTimeout(() => ui.status.replaceChildren(h("p", { text })), 50);
  }

  // White or near-black on the accent, whichever reads better: sites pick any accent colour.
  function fitAccentText() {
    const colour = getComputedStyle(ui.launcher).backgroundColor;
    if (!colour.startsWith("rgb")) return; // e.g. oklch(): keep white
    const rgb = colour.match(/[\d.]+/g).slice(0, 3).map(Number);
    const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
    const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    ui.root.style.setProperty("--on-accent", 1.05 / (luminance + 0.05) >= 4.5 ? "#ffffff" : "#111827");
  }

  // ------------------------------------------------------------------ state
  const state = {
    open: false,
    personas: [],
    conversation: null, // {id, persona_id, difficulty, ended}
    messages: [], // local mirror of the transcript: {role, content, feedback, at, row, bubble, text}
    busy: false, // a conversation being started or ended, or a turn running
    turning: false, // a turn (or retry) is running: a message sent now waits in `queued`
    queued: null, // the message entry that goes out when the running turn is done
    operation: null, // promise of the start or end under way
    ready: null, // promise of the personas loaded and the conversation created or resumed
    retry: null, // what the Retry button does for the failure on screen
    unavailable: false, // the server refused this site (key or origin): nothing can work
    setupOpen: false, // on short screens: the picker unfolded while a conversation runs
    stale: false, // another tab changed the conversation while this one was busy
  };

  const personaById = (id) => state.personas.find((p) => p.id === id) || null;
  const partnerName = () => (personaById(state.conversation && state.conversation.persona_id) || { name: t("partner") }).name;

  // ------------------------------------------------------------------ opening and closing
  function open() {
    state.open = true;
    tabStore.set({ open: true, unread: 0 });
    showUnread(0);
    fitAccentText();
    ui.panel.hidden = false;
    if (FULL_SCREEN.matches) ui.panel.setAttribute("aria-modal", "true");
    else ui.panel.removeAttribute("aria-modal");
    ui.root.classList.add("open");
    ui.launcher.setAttribute("aria-expanded", "true");
    labelLauncher();
    // Focus where the user will act next: the message box when a conversation will be there.
    const saved = conversationStore.get();
    const target = state.unavailable ? ui.close : (saved.id || PRESET ? ui.input : ui.persona);
    target.focus();
    if (!state.ready) state.ready = boot();
    else if (state.stale) syncFromStore();
    requestAnimationFrame(scrollDown);
  }

  function close() {
    state.open = false;
    tabStore.set({ open: false });
    ui.panel.hidden = true;
    ui.root.classList.remove("open");
    ui.launcher.setAttribute("aria-expanded", "false");
    labelLauncher();
    ui.launcher.focus();
  }

  function showUnread(count) {
    ui.unread = count;
    ui.badge.hidden = !count;
    // Drawn from an attribute by CSS: the number is not part of the button's text, whose
    // accessible name already says it in words (axe: label-content-name-mismatch).
    ui.badge.dataset.count = !count ? "" : count > 9 ? "9+" : String(count);
    labelLauncher();
  }

  // The name starts with the words on the button (WCAG 2.5.3) and adds the unread count.
  function labelLauncher() {
    const words = state.open ? t("hide") : t("launcher");
    ui.launcherLabel.textContent = words;
    if (ui.unread) ui.launcher.setAttribute("aria-label", words + ", " + t("unread", ui.unread));
    else ui.launcher.removeAttribute("aria-label");
  }

  // A reply that lands while the chat is closed waits behind a badge on the launcher.
  function noteReply() {
    if (state.open) return;
    const count = (tabStore.get().unread || 0) + 1;
    tabStore.set({ unread: count });
    showUnread(count);
  }

  // Escape undoes the smallest thing first: a question being asked, then a tip, then the panel.
  function onPanelKey(e) {
    if (e.key === "Escape" && !e.isComposing) {
      e.preventDefault();
      e.stopPropagation();
      if (!ui.confirm.hidden) cancelConfirm();
      else if (!dismissTips()) close();
    } else if (e.key === "Tab" && FULL_SCREEN.matches) {
      // Full-screen the panel hides the page, so Tab must not wander behind it.
      const items = [...ui.panel.querySelectorAll("button, select, textarea")]
        .filter((el) => !el.disabled && el.getClientRects().length > 0);
      const first = items[0], last = items[items.length - 1];
      if (e.shiftKey && ui.shadow.activeElement === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && ui.shadow.activeElement === last) { e.preventDefault(); first.focus(); }
    }
  }

  async function boot() {
    try {
      await loadPersonas();
    } catch (err) {
      state.ready = null; // let the next Retry or open try again from the start
      return showError(err, () => { state.ready = boot(); });
    }
    const saved = conversationStore.get();
    if (saved.id) return resume(saved.id);
    if (personaById(PRESET)) return startConversation();
    updatePreview();
  }

  async function loadPersonas() {
    const answer = await request("GET", "/v1/personas");
    state.personas = answer.personas || [];
    ui.persona.replaceChildren(...state.personas.map((p) =>
      h("option", { value: p.id, text: p.name + " \u2014 " + p.role })));
    const saved = conversationStore.get();
    ui.persona.value = saved.persona_id || (personaById(PRESET) ? PRESET : (state.personas[0] || {}).id || "");
    fillDifficulties(saved.difficulty);
  }

  function fillDifficulties(wanted) {
    const persona = personaById(ui.persona.value);
    const levels = persona ? persona.difficulties : [];
    ui.difficulty.replaceChildren(...levels.map((d) => h("option", { value: d,
      text: (TEXT.levels && TEXT.levels[d]) || d[0].toUpperCase() + d.slice(1) })));
    ui.difficulty.value = levels.includes(wanted) ? wanted : levels.includes("normal") ? "normal" : levels[0] || "";
  }

  function onPickerChange(event) {
    if (event.target === ui.persona) fillDifficulties(ui.difficulty.value);
    cancelConfirm(false);
    updatePreview();
  }

  // Picking someone else does not throw the current conversation away (arrow keys on a focused
  // <select> change it instantly); the Start button says what will happen instead.
  function updatePreview() {
    const persona = personaById(ui.persona.value);
    const current = state.conversation;
    const same = current && current.persona_id === ui.persona.value && current.difficulty === ui.difficulty.value;
    ui.preview.hidden = Boolean(same) || !persona;
    if (persona) {
      const role = persona.company ? t("at", { role: persona.role, company: persona.company }) : persona.role;
      ui.preview.textContent = persona.name + ", " + role + ". " + (persona.scenario || persona.summary || "");
    }
    ui.start.textContent = !current ? t("start") : same ? t("startOver") : t("switchTo");
  }

  // On short screens the picker folds away while a conversation runs; "Change" unfolds it.
  function toggleSetup(open) {
    state.setupOpen = open === undefined ? !state.setupOpen : open;
    ui.panel.classList.toggle("setup-open", state.setupOpen);
    ui.change.setAttribute("aria-expanded", String(state.setupOpen));
    if (open === undefined && state.setupOpen) ui.persona.focus();
  }

  // ------------------------------------------------------------------ starting over, with a question first
  const hasUserTurns = () => state.messages.some((m) => m.role === "user" && !m.queued);

  function onStartClick() {
    const current = state.conversation;
    if (current && !current.ended && hasUserTurns()) return askToLeave();
    startConversation();
  }

  function askToLeave() {
    const target = personaById(ui.persona.value) || { name: t("partner") };
    const same = target.id === state.conversation.persona_id;
    ui.confirmText.textContent = same ? t("confirmOver", { name: target.name })
      : t("confirmSwitch", { name: target.name, current: partnerName() });
    ui.confirmYes.textContent = same ? t("startOver") : t("switchTo");
    ui.confirm.hidden = false;
    ui.panel.classList.add("confirming"); // on short screens the question takes the picker's place
    ui.keep.focus(); // the safe answer has the focus: Enter by habit keeps the conversation
  }

  function cancelConfirm(refocus) {
    if (ui.confirm.hidden) return;
    ui.confirm.hidden = true;
    ui.panel.classList.remove("confirming");
    if (refocus !== false) ui.start.focus();
  }

  function confirmStart() {
    ui.confirm.hidden = true;
    ui.panel.classList.remove("confirming");
    startConversation();
  }

  // ------------------------------------------------------------------ conversations
  function startConversation() {
    state.operation = createConversation().finally(() => { state.operation = null; });
    return state.operation;
  }

  async function createConversation() {
    hideError();
    const body = { persona_id: ui.persona.value };
    if (ui.difficulty.value) body.difficulty = ui.difficulty.value;
    if (!PUBLISHABLE) body.user_ref = learnerRef(); // a publishable key's visitor is its token
    setBusy(true);
    try {
      const conv = await request("POST", "/v1/conversations", body);
      conversationStore.set({ id: conv.id, token: conv.token || null, persona_id: conv.persona_id,
        difficulty: conv.difficulty, times: {}, ended: false });
      if (conv.visitor_token) visitorStore.set({ token: conv.visitor_token });
      toggleSetup(false);
      showConversation(conv);
      // Only move focus within the widget: an automatic start must not pull it off the host page
      // (a Start button that was disabled while busy leaves the focus on <body>).
      const active = document.activeElement;
      if (ui.shadow.activeElement || !active || active === document.body) ui.input.focus();
    } catch (err) {
      showError(err, () => startConversation());
    } finally {
      setBusy(false);
    }
  }

  async function resume(id) {
    try {
      const conv = await request("GET", "/v1/conversations/" + encodeURIComponent(id));
      showConversation(conv);
      if (conv.state && conv.state.ended) await showReport("GET", "/report");
      else if (lastMessage() && lastMessage().role === "user") offerMissingReply();
    } catch (err) {
      if (err.status === 404) { // the server forgot it (or another key made it): start afresh
        conversationStore.set({ id: null, token: null, times: {} });
        return personaById(PRESET) ? startConversation() : updatePreview();
      }
      showError(err, () => resume(id));
    }
  }

  // Another tab of this site started a conversation or said something in it: show the same.
  function onStorage(event) {
    if (event.key !== CONVERSATION_KEY || !state.ready) return;
    state.stale = true;
    if (state.open && !state.busy) syncFromStore();
  }

  function syncFromStore() {
    state.stale = false;
    const saved = conversationStore.get();
    if (saved.id) resume(saved.id);
  }

  function showConversation(conv) {
    const persona = personaById(conv.persona_id) || { name: t("partner"), role: "" };
    state.conversation = { id: conv.id, persona_id: conv.persona_id, difficulty: conv.difficulty || ui.difficulty.value,
      ended: Boolean(conv.state && conv.state.ended), trust: null };
    state.messages = [];
    state.queued = null;
    ui.panel.classList.add("has-conversation");
    ui.persona.value = conv.persona_id;
    fillDifficulties(state.conversation.difficulty);
    ui.title.textContent = t("titleWith", { name: persona.name });
    ui.avatar.textContent = (persona.name || "?").trim().charAt(0).toUpperCase();
    ui.who.textContent = [persona.role, persona.company].filter(Boolean).join(" \u00b7 ");
    ui.log.replaceChildren(h("p", { class: "scene" }, h("strong", { text: t("scene") + " " }),
      h("span", { dir: "auto", text: persona.scenario || persona.summary || "" })));
    const times = conversationStore.get().id === conv.id ? conversationStore.get().times || {} : {};
    for (const m of conv.messages || []) {
      const said = m.created_at || times[m.index] || (m.index === 0 ? conv.created_at : null);
      addMessage(m.role, m.content, m.feedback, said ? new Date(said) : null);
    }
    updateMeter(conv.state, false);
    setEnded(state.conversation.ended);
    updatePreview();
    restoreDraft();
  }

  const lastMessage = () => state.messages[state.messages.length - 1];

  function setEnded(ended) {
    ui.composer.hidden = ended;
    ui.actions.hidden = ended;
  }

  function setBusy(busy) {
    state.busy = busy;
    // Send stays live during a reply: what is sent then waits its turn (see queueMessage).
    ui.start.disabled = busy || state.unavailable;
    ui.end.disabled = busy || state.unavailable;
    if (!busy && state.stale && state.open) syncFromStore();
  }

  // The server refused this site: every control that would only fail again is switched off.
  function setUnavailable() {
    state.unavailable = true;
    for (const el of [ui.persona, ui.difficulty, ui.start, ui.input, ui.send, ui.end, ui.change]) el.disabled = true;
    ui.preview.hidden = true;
    if (state.open) ui.close.focus(); // the focused control may just have been switched off
  }

  // ------------------------------------------------------------------ messages and feedback
  function addMessage(role, content, feedback, at) {
    const speaker = role === "user" ? t("you") : partnerName();
    const text = h("span", { class: "text", text: content });
    // The speaker's name is read out by screen readers but kept outside the message's own text.
    const bubble = h("div", { class: "msg", "data-testid": "rapport-message", "data-role": role, dir: "auto" }, text);
    const meta = h("div", { class: "meta" });
    const row = h("div", { class: "row " + role }, h("span", { class: "sr", text: speaker + ": " }), bubble, meta);
    const entry = { role, content, feedback: null, at: null, row, bubble, text, meta };
    state.messages.push(entry);
    ui.log.append(row);
    if (at) stamp(entry, at);
    if (feedback) attachFeedback(entry, feedback);
    scrollDown();
    return entry;
  }

  function stamp(entry, at) {
    if (isNaN(at.getTime())) return;
    entry.at = at;
    const old = entry.meta.querySelector(".stamp");
    const el = h("time", { class: "stamp", datetime: at.toISOString(), text: when(at) });
    if (old) old.replaceWith(el); else entry.meta.append(el);
  }

  // Times are the client's (the API does not give one per message): kept with the conversation
  // by message index, so that a reload or another tab shows the same.
  function rememberTimes(pairs) {
    const saved = conversationStore.get();
    if (saved.id !== state.conversation.id) return;
    const times = Object.assign({}, saved.times);
    for (const [index, at] of pairs) if (typeof index === "number" && at) times[index] = at.toISOString();
    conversationStore.set({ times });
  }

  function attachFeedback(entry, fb) {
    entry.feedback = fb;
    highlightEvidence(entry.text, entry.content, fb.evidence || []);
    const old = entry.meta.querySelector(".feedback");
    const chip = feedbackChip(fb);
    if (old) old.replaceWith(chip); else entry.meta.prepend(chip);
  }

  function feedbackChip(fb) {
    const tipId = nextId("tip");
    const tone = fb.genuine_interest ? "good" : fb.score >= 40 ? "mixed" : "poor";
    const negative = (fb.moves || []).find((m) => NEGATIVE_MOVES.has(m));
    const label = fb.genuine_interest ? t("genuine") : (negative ? t("moves." + negative) : t("missed"));
    const chip = h("button", { type: "button", class: "chip", "data-testid": "rapport-feedback",
      "data-genuine-interest": String(Boolean(fb.genuine_interest)), "data-score": String(fb.score),
      "aria-describedby": tipId, "aria-expanded": "false", "aria-controls": tipId },
    h("span", { class: "pill " + tone },
      h("span", { "aria-hidden": "true", text: fb.genuine_interest ? "\u2713" : "!" }), label,
      h("span", { "aria-hidden": "true", text: "\u00b7" }), h("span", { class: "sr", text: t("score") + " " }), num(fb.score)));
    const tip = h("div", { class: "tip", role: "tooltip", id: tipId },
      h("p", {}, h("strong", { text: t("tip") + " " }), h("span", { dir: "auto", text: fb.tip })), evidenceInWords(fb));
    const box = h("div", { class: "feedback" }, chip, tip);
    wireTip(box, chip);
    return box;
  }

  // Underlines tell good from bad by line style and colour; the tip says it in words too.
  function evidenceInWords(fb) {
    const items = (fb.evidence || []).filter((e) => e.text).map((e) => h("li", {},
      h("strong", { text: (NEGATIVE_MOVES.has(e.move) ? t("hurt") : t("worked")) + ": " }),
      t("moves." + e.move) + " \u2014 ", h("q", { dir: "auto", text: e.text })));
    return items.length ? h("ul", {}, items) : null;
  }

  // The tip shows while the chip is hovered (the tip itself included, so the pointer can move
  // onto it), keyboard-focused or tapped; Escape hides it without moving focus (WCAG 1.4.13).
  function wireTip(box, chip) {
    const view = { hovered: false, focused: false, pinned: false, dismissed: false };
    const render = () => {
      const show = (view.hovered || view.focused || view.pinned) && !view.dismissed;
      const was = box.classList.contains("show");
      box.classList.toggle("show", show);
      chip.setAttribute("aria-expanded", String(view.pinned && show));
      if (show && !was) placeTip(box);
    };
    // Hover is a mouse's: the hover a tap emulates would open the tip before the tap's click
    // (and an inline tip opening under the finger would take that click away from the chip).
    const mouse = (e) => e.pointerType === "mouse" || e.pointerType === "pen";
    box.addEventListener("pointerenter", (e) => { if (mouse(e)) { view.hovered = true; render(); } });
    box.addEventListener("pointerleave", (e) => {
      if (mouse(e)) { view.hovered = false; view.dismissed = false; render(); }
    });
    chip.addEventListener("focus", () => { view.focused = chip.matches(":focus-visible"); render(); });
    chip.addEventListener("blur", () => { view.focused = false; view.dismissed = false; render(); });
    chip.addEventListener("click", () => {
      view.pinned = !(view.pinned && box.classList.contains("show"));
      view.dismissed = !view.pinned;
      if (view.pinned) closeOtherTips(box);
      render();
    });
    box.tipControl = {
      shown: () => box.classList.contains("show"),
      dismiss() { view.pinned = false; view.dismissed = true; render(); },
      unpin() { view.pinned = false; render(); },
    };
  }

  // A floating tip near the bottom of the conversation opens upwards rather than off the end.
  function placeTip(box) {
    box.classList.remove("above");
    const tip = box.querySelector(".tip");
    if (getComputedStyle(tip).position !== "absolute") return scrollIntoLog(tip, box);
    const room = ui.log.getBoundingClientRect();
    const rect = tip.getBoundingClientRect();
    if (rect.bottom > room.bottom && rect.height < box.getBoundingClientRect().top - room.top) box.classList.add("above");
  }

  // Bring an inline tip into view, but never scroll its chip out at the top.
  function scrollIntoLog(el, anchor) {
    const room = ui.log.getBoundingClientRect();
    const need = el.getBoundingClientRect().bottom - room.bottom + 8;
    if (need > 0) ui.log.scrollTop += Math.max(0, Math.min(need, anchor.getBoundingClientRect().top - room.top));
  }

  const tipBoxes = () => [...ui.log.querySelectorAll(".feedback")].filter((b) => b.tipControl);

  function closeOtherTips(keep) {
    for (const box of tipBoxes()) if (box !== keep) box.tipControl.unpin();
  }

  function dismissTips() {
    const shown = tipBoxes().filter((b) => b.tipControl.shown());
    for (const box of shown) box.tipControl.dismiss();
    return shown.length > 0;
  }

  // Evidence spans may overlap (a whole self-focused message containing a pitch): paint longer
  // spans first so the more specific, shorter one wins where they meet.
  function highlightEvidence(el, text, evidence) {
    const paint = new Array(text.length).fill(null);
    const spans = evidence.filter((e) => e.text && text.includes(e.text))
      .sort((a, b) => b.text.length - a.text.length);
    for (const ev of spans) {
      const start = text.indexOf(ev.text);
      for (let i = start; i < start + ev.text.length; i++) paint[i] = ev.move;
    }
    const parts = [];
    let i = 0;
    while (i < text.length) {
      let j = i;
      while (j < text.length && paint[j] === paint[i]) j++;
      const chunk = text.slice(i, j);
      const move = paint[i];
      parts.push(move ? h("mark", { class: NEGATIVE_MOVES.has(move) ? "bad" : "good", title: t("moves." + move), text: chunk })
        : document.createTextNode(chunk));
      i = j;
    }
    el.replaceChildren(...parts);
  }

  const MOODS = [[0.35, "guarded", "--poor"], [0.55, "neutral", "--mixed"], [0.75, "warm", "--good"], [Infinity, "won", "--good"]];

  function updateMeter(st, spoken) {
    if (!st || typeof st.trust !== "number") return;
    const trust = Math.max(0, Math.min(1, st.trust));
    const [, moodKey, colour] = MOODS.find(([limit]) => trust < limit);
    const mood = t("moods." + moodKey);
    const stage = st.stage ? t("stages." + st.stage) : "";
    ui.meter.hidden = false;
    ui.fill.style.width = pct(trust);
    ui.fill.style.backgroundColor = "var(" + colour + ")";
    ui.mood.textContent = mood;
    ui.meter.setAttribute("aria-valuenow", String(Math.round(trust * 100)));
    ui.meter.setAttribute("aria-valuetext", t("trustValue", { mood, pct: pct(trust) }) +
      (stage ? ", " + t("trustStage", { stage }) : ""));
    ui.meter.title = t("trust") + " " + pct(trust) + (stage ? " \u00b7 " + t("trustStage", { stage }) : "");
    const before = state.conversation ? state.conversation.trust : null;
    if (state.conversation) state.conversation.trust = trust;
    // The meter is not a live region (it would speak on every reload); a change in trust is news.
    if (spoken && before !== null && Math.round(before * 100) !== Math.round(trust * 100)) {
      announce(t(trust > before ? "trustUp" : "trustDown", { name: partnerName(), pct: pct(trust), mood }));
    }
  }

  // The log follows new words only when the reader is at its end (not reading further up).
  function nearBottom() { return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 80; }
  function scrollDown() { ui.log.scrollTop = ui.log.scrollHeight; }

  // ------------------------------------------------------------------ the message box
  function onInputKey(e) {
    // On a touch keyboard Enter makes a new line, as in other chat apps there; Send sends.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && !TOUCH.matches) {
      e.preventDefault();
      sendFromInput();
    }
  }

  function onDraft() {
    tabStore.set({ draft: ui.input.value });
    afterInputChange();
  }

  function afterInputChange() {
    const left = MAX_CHARS - ui.input.value.length;
    const low = left < 200;
    ui.count.classList.toggle("low", low);
    ui.count.textContent = low ? t("left", left) : TOUCH.matches ? "" : t("hint");
    // Grow with the text, up to the CSS max-height, then scroll.
    ui.input.style.height = "auto";
    if (ui.input.value) ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 200) + "px";
  }

  function restoreDraft() {
    const draft = tabStore.get().draft;
    if (draft && !ui.input.value) ui.input.value = draft;
    afterInputChange();
  }

  function setDraft(text) {
    ui.input.value = text;
    tabStore.set({ draft: text });
    afterInputChange();
  }

  // What the API refuses and nobody means to send (pasted control characters, lone surrogates,
  // line separators) is cleaned here rather than bounced back with a server error.
  function cleanText(text) {
    const wellFormed = typeof text.toWellFormed === "function" ? text.toWellFormed() : text;
    return wellFormed.replace(/\r\n?|[\u2028\u2029]/g, "\n").replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "").trim();
  }

  async function sendFromInput() {
    if (state.unavailable || !cleanText(ui.input.value)) return;
    if (state.turning) return queueMessage(cleanText(ui.input.value));
    if (state.ready) await state.ready;
    if (state.operation) await state.operation;
    const text = cleanText(ui.input.value);
    if (!text || state.unavailable) return;
    if (state.turning) return queueMessage(text);
    if (!state.conversation) await startConversation();
    if (!state.conversation || state.conversation.ended) return;
    setDraft("");
    await runTurn(text, null);
  }

  // A message sent while the partner is still replying waits, visibly, and goes out after.
  function queueMessage(text) {
    setDraft("");
    if (state.queued) {
      state.queued.content += "\n" + text;
      state.queued.text.textContent = state.queued.content;
      return;
    }
    const entry = addMessage("user", text);
    entry.queued = true;
    entry.bubble.classList.add("queued");
    entry.meta.append(h("span", { class: "note", text: t("queued", { name: partnerName() }) }));
    state.queued = entry;
    announce(t("queuedSaid", { name: partnerName() }));
  }

  function sendQueued() {
    const entry = state.queued;
    if (!entry) return;
    state.queued = null;
    entry.queued = false;
    entry.bubble.classList.remove("queued");
    const note = entry.meta.querySelector(".note");
    if (note) note.remove();
    if (state.conversation.ended) return giveBack(entry.content, entry);
    runTurn(entry.content, entry);
  }

  // ------------------------------------------------------------------ a turn
  // One turn (or the retry of one): the user's bubble appears at once, the reply streams in.
  async function runTurn(text, existing) {
    hideError();
    dismissTips();
    state.turning = true;
    setBusy(true);
    const user = existing || addMessage("user", text, null, new Date());
    if (!user.at) stamp(user, new Date());
    user.bubble.classList.remove("failed");
    const reply = addMessage("persona", "");
    const typing = h("span", { class: "typing" }, h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
      h("span", { class: "sr", text: t("typing", { name: partnerName() }) }));
    reply.text.replaceChildren(typing);
    reply.bubble.setAttribute("aria-busy", "true"); // screen readers wait for the whole reply
    scrollDown();
    const retrying = Boolean(existing && existing.stored);
    const path = "/v1/conversations/" + encodeURIComponent(state.conversation.id) + (retrying ? "/retry" : "/turns");
    let ok = false;
    try {
      await streamTurn(path, retrying ? undefined : { content: text }, {
        feedback: (fb) => { user.stored = true; follow(() => attachFeedback(user, fb)); },
        delta: (d) => follow(() => {
          if (typing.isConnected) reply.text.textContent = "";
          reply.text.textContent += d.text;
        }),
        done: (result) => finishTurn(user, reply, result),
      });
      ok = true;
    } catch (err) {
      failTurn(err, text, user, reply);
    } finally {
      state.turning = false;
      setBusy(false);
    }
    if (ok && state.queued) sendQueued();
  }

  // Keep the newest words in view while the reader is following along (feedback arriving above
  // the typing dots must not push them out of sight).
  function follow(change) {
    const stick = nearBottom();
    change();
    if (stick) scrollDown();
  }

  function finishTurn(user, reply, result) {
    user.stored = true;
    // Streamed feedback is already shown; drawing its chip again would drop the focus from it.
    if (result.feedback && !user.feedback) attachFeedback(user, result.feedback);
    reply.bubble.removeAttribute("aria-busy");
    if (result.reply) {
      reply.content = result.reply.content;
      reply.text.textContent = result.reply.content; // the stored reply is the authoritative text
      stamp(reply, new Date());
      noteReply();
    } else {
      dropMessage(reply);
    }
    rememberTimes([[result.user && result.user.index, user.at], [result.reply && result.reply.index, reply.at]]);
    follow(() => updateMeter(result.state, true));
    scrollDown();
    if (result.state && result.state.ended) {
      state.conversation.ended = true;
      conversationStore.set({ ended: true });
      setEnded(true);
      showReport("GET", "/report");
    }
  }

  function dropMessage(entry) {
    entry.row.remove();
    state.messages = state.messages.filter((m) => m !== entry);
  }

  function failTurn(err, text, user, reply) {
    dropMessage(reply);
    if (state.queued) giveBack(state.queued.content, state.queued); // it must not jump the queue
    state.queued = null;
    const notStored = [401, 403, 409, 413, 422].includes(err.status) && !user.stored;
    if (err.code === "conversation_ended") {
      giveBack(text, user);
      state.conversation.ended = true;
      setEnded(true);
      return showReport("GET", "/report");
    }
    if (notStored) {
      // The server refused the message itself: give it back for editing instead of retrying blindly.
      giveBack(text, user);
      const retry = err.code === "reply_missing" ? () => reconcileAndRetry(null)
        : ["concurrent_turn", "turn_in_progress"].includes(err.code) ? () => sendFromInput() : null;
      return showError(err, retry);
    }
    user.bubble.classList.add("failed");
    showError(err, () => reconcileAndRetry(user));
  }

  function giveBack(text, user) {
    dropMessage(user);
    const draft = ui.input.value.trim();
    setDraft(!draft ? text : draft === text ? ui.input.value : text + "\n" + ui.input.value);
  }

  // After a failure we may not know how far the server got (the network can drop after the
  // message, or even the reply, was stored), so ask it: a complete turn is just shown, a stored
  // message without a reply is retried, and a message the server never saw is sent again.
  async function reconcileAndRetry(user) {
    hideError();
    let conv;
    try {
      conv = await request("GET", "/v1/conversations/" + encodeURIComponent(state.conversation.id));
    } catch (err) {
      return showError(err, () => reconcileAndRetry(user));
    }
    const messages = conv.messages || [];
    const waiting = messages.length > 0 && messages[messages.length - 1].role === "user";
    const serverTurns = messages.filter((m) => m.role === "user").length;
    const localTurns = state.messages.filter((m) => m.role === "user").length;
    if (!user || serverTurns >= localTurns) { // nothing of ours is missing on the server
      if (!waiting) return showConversation(conv);
      const last = user || state.messages.filter((m) => m.role === "user").pop();
      last.stored = true;
      return runTurn(last.content, last);
    }
    if (waiting) { // an earlier message still needs its reply before ours can be sent
      return showError(ownError("reply_missing", t("earlier")), () => reconcileAndRetry(null));
    }
    user.stored = false;
    await runTurn(user.content, user);
  }

  function offerMissingReply() {
    showError(ownError("reply_missing", t("noReply", { name: partnerName() })), () => reconcileAndRetry(null));
  }

  // ------------------------------------------------------------------ errors
  // A refused key or origin is the site's to fix, not the visitor's: the visitor is told the
  // chat is not available, and the site's developer finds the server's reason in the console.
  const isSiteProblem = (err) => err.status === 401 ||
    (err.status === 403 && ["origin_not_allowed", "forbidden", "secret_key_required"].includes(err.code));

  function describe(err) {
    if (err.visitorText) return err.visitorText;
    if (isSiteProblem(err)) return t("notSetUp");
    if (err.code === "llm_unavailable") return t("unavailable", { name: partnerName() });
    if (err.status === 429) {
      const wait = err.extra.retry_after;
      return wait ? t("slowDown", { s: num(wait) }) : t("slowDownSoon");
    }
    if (err.code === "concurrent_turn") return t("concurrent");
    if (err.code === "turn_in_progress") return t("inProgress");
    if (err.code === "conversation_ended") return t("ended");
    if (err.status === 413) return t("tooLong");
    if (err.status === 422) return t("rejected");
    if (err.status === 404) return t("gone");
    return t("server");
  }

  function tellDeveloper(err) {
    if (err.visitorText) return;
    let why = "the server answered " + err.status + " " + err.code + ": " + err.detail;
    if (err.code === "origin_not_allowed") {
      why = "this page's origin " + location.origin + " is not allowed for the key in data-key " +
        "(rapport keys create --publishable --origin " + location.origin + "). " + why;
    } else if (err.status === 401 && !KEY) {
      why = "this server needs a publishable key: add data-key=\"pk_...\" to the script tag. " + why;
    }
    console.warn("Rapport widget: " + why);
  }

  function showError(err, retry) {
    tellDeveloper(err);
    const fatal = isSiteProblem(err);
    if (fatal) setUnavailable();
    state.retry = fatal ? null : retry;
    ui.alertText.textContent = describe(err);
    ui.alert.dataset.code = err.code || "";
    ui.retry.hidden = !state.retry;
    ui.alert.hidden = false;
    // The failed message stays in sight above the alert.
    requestAnimationFrame(scrollDown);
  }

  function hideError() {
    ui.alert.hidden = true;
    state.retry = null;
  }

  function runRetry() {
    const retry = state.retry;
    hideError();
    ui.input.focus(); // the Retry button is about to disappear
    if (retry) retry();
  }

  // ------------------------------------------------------------------ ending and the scorecard
  function endConversation() {
    if (!state.conversation || state.busy || state.unavailable) return;
    state.operation = finishConversation().finally(() => { state.operation = null; });
    return state.operation;
  }

  async function finishConversation() {
    hideError();
    setBusy(true);
    try {
      if (await showReport("POST", "/end")) {
        state.conversation.ended = true;
        conversationStore.set({ ended: true });
        setEnded(true);
      }
    } finally {
      setBusy(false);
    }
  }

  async function showReport(method, suffix) {
    let report;
    try {
      report = await request(method, "/v1/conversations/" + encodeURIComponent(state.conversation.id) + suffix);
    } catch (err) {
      showError(err, () => (method === "POST" ? endConversation() : showReport(method, suffix)));
      return false;
    }
    const old = ui.log.querySelector(".scorecard");
    if (old) old.remove();
    const card = scorecard(report);
    ui.log.append(card);
    // Not scrollIntoView: it would also scroll the overflow-hidden panel and push the header away.
    if (state.open) card.focus({ preventScroll: true });
    ui.log.scrollTop = card.offsetTop - ui.log.offsetTop - 8;
    return true;
  }

  // The end-of-conversation screen is a list of steps, each a function (report, context) -> a
  // node, a list of nodes, or null. A later step (a recall check, a follow-up note) is one more
  // function in this list; `context.card` is the scorecard element, for steps that load more.
  const SCORECARD_STEPS = [outcomeStep, statsStep, chartStep, highlightsStep, tipsStep, recallStep, noteStep, nextStep];

  function scorecard(report) {
    const headingId = nextId("scorecard");
    const card = h("section", { class: "scorecard", "data-testid": "rapport-scorecard", tabindex: "-1",
      "aria-labelledby": headingId }, h("h3", { id: headingId, text: t("scorecard") }));
    const context = {
      card, persona: personaById(state.conversation.persona_id), conversation: state.conversation,
      scores: state.messages.filter((m) => m.role === "user" && m.feedback).map((m) => m.feedback.score),
      t, h,
    };
    for (const step of SCORECARD_STEPS) {
      const part = step(report, context);
      if (part) card.append(...[part].flat().filter(Boolean));
    }
    return card;
  }

  function outcomeStep(report) {
    return h("p", { text: (report.outcome ? t("outcomes." + report.outcome) : t("ended")) + " \u00b7 " + t("turns", report.turns) });
  }

  function statsStep(report) {
    const stats = [
      [t("stats.genuine"), pct(report.genuine_interest_rate || 0)],
      [t("stats.mean"), num(Math.round(report.mean_score || 0))],
      [t("stats.questions"), num(report.questions)],
      [t("stats.followUps"), num(report.follow_up_questions)],
      [t("stats.talk"), pct(report.talk_share || 0)],
      [t("stats.pitch"), report.first_pitch_turn ? t("turnN", { n: num(report.first_pitch_turn) }) : t("none")],
    ];
    return h("dl", { class: "stats" }, stats.map(([k, v]) => h("div", {}, h("dt", { text: k }), h("dd", { text: v }))));
  }

  function chartStep(report, context) {
    return [chart(report.trust_curve || [], context.scores),
      h("div", { class: "legend", "aria-hidden": "true" }, h("span", { class: "trust", text: t("legendTrust") }),
        h("span", { class: "score", text: t("legendScore") }))];
  }

  function highlightsStep(report) {
    return listSection(t("highlights"), (report.highlights || []).map((hl) => h("li", { class: hl.kind },
      h("strong", { text: (hl.kind === "best" ? t("best") : t("rework")) + ", " + t("turnN", { n: num(hl.turn) }) + " (" + num(hl.score) + "): " }),
      h("span", { dir: "auto", text: "\u201c" + hl.text + "\u201d" + (hl.note ? " \u2014 " + hl.note : "") }))));
  }

  function tipsStep(report) {
    return listSection(t("tips"), (report.tips || []).map((tip) => h("li", { dir: "auto", text: tip })));
  }

  function nextStep() {
    return h("p", { class: "next" }, h("button", { type: "button", class: "primary", "data-testid": "rapport-again",
      text: t("again"), onclick: () => startConversation() }));
  }

  // ------------------------------------------------------------------ after the scorecard
  // Two optional steps on the API's follow-ups (docs/api.md, "After the conversation"): a recall
  // check, answered once (the server keeps the first answer), and a follow-up note, coached as
  // often as it is redrafted. Both are in the report, so an ended conversation reopened later
  // shows what was already answered. A publishable key's visitor is let in by the conversation
  // token, which tokenHeaders() sends on every path under its own conversation.
  const RECALL_MAX = 4000, NOTE_MAX = 6000; // the API's limits: longer is refused, never cut

  function recallStep(report, context) {
    // The first name, as the API asks it (and as one would say it): "What did you learn about Priya?"
    const name = partnerName().trim().split(/\s+/)[0], id = context.conversation.id;
    return followupStep({
      kind: "recall", once: true, max: RECALL_MAX, done: report.recall,
      title: t("followups.recallTitle", { name }), hint: t("followups.recallHint", { name }),
      label: t("followups.recallLabel", { name }), send: t("followups.recallSend"),
      submit: (text) => request("POST", followupPath(id, "/recall"), { answer: text }),
      // Another tab may have answered first: its stored result is the one that counts.
      recover: async (err) => (err.code === "recall_already_answered"
        ? (await request("GET", followupPath(id, "/report"))).recall : null),
      render: recallResult,
    });
  }

  function noteStep(report, context) {
    const name = partnerName().trim().split(/\s+/)[0], id = context.conversation.id;
    return followupStep({
      kind: "note", once: false, max: NOTE_MAX, done: report.follow_up_note,
      title: t("followups.noteTitle"), hint: t("followups.noteHint", { name }),
      label: t("followups.noteLabel", { name }), send: t("followups.noteSend"),
      submit: (text) => request("POST", followupPath(id, "/note"), { note: text }),
      render: noteResult,
    });
  }

  const followupPath = (id, suffix) => "/v1/conversations/" + encodeURIComponent(id) + suffix;

  function followupStep(o) {
    const testid = "rapport-" + o.kind;
    const headingId = nextId(o.kind), hintId = nextId(o.kind + "-hint");
    const input = h("textarea", { "data-testid": testid + "-input", rows: 4, maxlength: o.max, dir: "auto",
      "aria-label": o.label, "aria-describedby": hintId });
    const error = h("p", { class: "step-error", role: "alert", "data-testid": testid + "-error", hidden: true });
    const send = h("button", { type: "button", class: "primary", "data-testid": testid + "-send", text: o.send });
    const skip = h("button", { type: "button", "data-testid": testid + "-skip", text: t("followups.skip") });
    const form = h("div", { class: "step-form" }, h("p", { id: hintId, class: "step-hint", text: o.hint }), input, error,
      h("div", { class: "step-buttons" }, send, skip));
    const unskip = h("button", { type: "button", class: "bare", "data-testid": testid + "-unskip", text: t("followups.undoSkip") });
    const skipped = h("p", { class: "step-skipped", hidden: true }, h("span", { text: t("followups.skipped") }), " ", unskip);
    const result = h("div", { class: "step-result", "data-testid": testid + "-result", tabindex: "-1", hidden: true });
    const box = h("section", { class: "followup", "data-testid": testid, "aria-labelledby": headingId },
      h("h4", { id: headingId, text: o.title }), form, skipped, result);

    const show = (body) => {
      result.replaceChildren(...[o.render(body)].flat(Infinity).filter(Boolean));
      result.hidden = false;
      if (o.once) form.hidden = true;
      else if (!input.value && body.note) input.value = body.note;
    };
    const fail = (text) => {
      error.textContent = text;
      error.hidden = false;
    };
    const submit = async () => {
      if (send.disabled) return;
      const text = cleanText(input.value);
      if (!text) { fail(t("followups.empty")); input.focus(); return; }
      error.hidden = true;
      send.disabled = skip.disabled = true;
      send.textContent = t("followups.checking");
      box.setAttribute("aria-busy", "true");
      try {
        show(await o.submit(text));
      } catch (err) {
        tellDeveloper(err);
        let stored = null;
        if (o.recover) { try { stored = await o.recover(err); } catch (e) { /* the first error says it */ } }
        if (stored) show(stored);
        fail(stepError(err));
        if (!stored) { input.focus(); return; }
      } finally {
        send.disabled = skip.disabled = false;
        send.textContent = o.send;
        box.removeAttribute("aria-busy");
      }
      // The result is read from where it starts; the log scrolls to it, the panel does not move.
      result.focus({ preventScroll: true });
      ui.log.scrollTop += result.getBoundingClientRect().top - ui.log.getBoundingClientRect().top - 8;
    };
    send.addEventListener("click", submit);
    // Chromium brings only a text box's caret into view on focus; the whole box should be seen.
    const reveal = () => scrollIntoLog(input, input);
    input.addEventListener("focus", () => { reveal(); requestAnimationFrame(reveal); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.isComposing) { e.preventDefault(); submit(); }
    });
    skip.addEventListener("click", () => {
      form.hidden = true;
      skipped.hidden = false;
      unskip.focus(); // the focus stays where it was, on the way back
    });
    unskip.addEventListener("click", () => {
      skipped.hidden = true;
      form.hidden = false;
      input.focus();
    });
    if (o.done) show(o.done);
    return box;
  }

  function stepError(err) {
    if (err.code === "recall_already_answered") return t("followups.answered");
    if (err.status === 413) return t("followups.tooLong");
    if (err.code === "llm_unavailable" || err.code === "conversation_not_ended") return t("server");
    return describe(err);
  }

  const quoted = (text) => "\u201c" + text + "\u201d";

  // Each list is named in words (and counted), so that nothing depends on its colour.
  function claimList(title, kind, items) {
    return [h("h5", { text: title + " (" + num(items.length) + ")" }),
      items.length ? h("ul", { class: "claims " + kind, "data-kind": kind }, items)
        : h("p", { class: "step-none", text: t("followups.nothing") })];
  }

  function recallResult(r) {
    const li = (text) => h("li", { dir: "auto", text });
    return [
      h("p", { class: "step-score " + (r.score >= 60 ? "good" : r.score >= 40 ? "mixed" : "poor"),
        "data-testid": "rapport-recall-score", "data-score": r.score, text: t("followups.score", { score: num(r.score) }) }),
      r.summary ? h("p", { dir: "auto", text: r.summary }) : null,
      claimList(t("followups.recalled"), "recalled", (r.recalled || []).map((c) => li(quoted(c.claim)))),
      claimList(t("followups.missed"), "missed", (r.missed || []).map((rev) => li(rev.text))),
      claimList(t("followups.misremembered"), "misremembered", (r.misremembered || []).map((c) =>
        li(quoted(c.claim) + (c.detail ? " \u2014 " + c.detail : "")))),
      (r.invented || []).length ? claimList(t("followups.invented"), "invented", r.invented.map((c) => li(quoted(c.claim)))) : null,
      r.tip ? h("p", {}, h("strong", { text: t("tip") + " " }), h("span", { dir: "auto", text: r.tip })) : null,
    ];
  }

  function noteResult(n) {
    const verdicts = ["specific", "thanks", "ask", "length"].map((label) => {
      const v = n[label] || {};
      const value = label === "specific" ? (v.value ? "yes" : "no") : v.value;
      const fine = label === "specific" ? Boolean(v.value) : v.value === "fine" || (label === "ask" && v.value === "none");
      const evidence = (v.evidence || []).filter((e) => e.text);
      return h("li", { "data-label": label, "data-value": String(value) },
        h("strong", { class: "verdict " + (fine ? "good" : "poor"),
          text: t("followups.labels." + label) + ": " + t("followups.verdicts." + label + "." + value) }),
        v.comment ? h("span", { dir: "auto", text: " " + v.comment }) : null,
        label === "length" && v.range ? h("span", { class: "step-hint",
          text: " (" + t("followups.words", { n: num(v.words), low: num(v.range[0]), high: num(v.range[1]) }) + ")" }) : null,
        evidence.length ? h("span", { class: "evidence" }, h("br"), t("followups.quoted") + " ",
          h("q", { dir: "auto", text: evidence.map((e) => e.text).join(" \u2026 ") })) : null);
    });
    const rw = n.rewrite;
    return [
      h("p", { class: "step-score " + (n.good ? "good" : "mixed"), "data-testid": "rapport-note-verdict",
        text: n.good ? t("followups.good") : t("followups.notYet") }),
      h("ul", { class: "verdicts" }, verdicts),
      rw && rw.write ? [h("h5", { text: t("followups.rewrite") }),
        rw.instead_of ? h("p", {}, h("strong", { text: t("followups.insteadOf") + " " }), h("span", { dir: "auto", text: quoted(rw.instead_of) })) : null,
        h("p", { "data-testid": "rapport-note-rewrite" }, h("strong", { text: t("followups.write") + " " }),
          h("span", { dir: "auto", text: quoted(rw.write) })),
        rw.why ? h("p", { class: "step-hint", dir: "auto", text: rw.why }) : null] : null,
    ].flat();
  }

  function listSection(title, items) {
    return items.length ? [h("h4", { text: title }), h("ul", {}, items)] : null;
  }

  // Trust (0..1, one point per turn, turn 0 = before you spoke) as a line over score bars (0..100).
  function chart(trust, scores) {
    const W = 340, H = 170, L = 30, R = 10, T = 10, B = 24;
    const turns = Math.max(trust.length - 1, scores.length, 1);
    const bar = Math.min(22, (W - L - R) / turns / 2);
    const x = (i) => L + bar / 2 + 4 + (i / turns) * (W - L - R - bar - 8);
    const y = (v) => T + (1 - v / 100) * (H - T - B);
    const desc = t("chartTrust", { list: trust.map((v, i) => t("turnN", { n: num(i) }) + " " + pct(v)).join(", ") }) + " " +
      t("chartScore", { list: scores.map((v, i) => t("turnN", { n: num(i + 1) }) + " " + num(v)).join(", ") });
    const svg = s("svg", { class: "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": t("chart") });
    svg.append(s("title", {}, t("chart")), s("desc", {}, desc));
    for (const v of [0, 50, 100]) {
      svg.append(s("line", { class: "grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }),
        s("text", { class: "axis", x: L - 6, y: y(v) + 4, "text-anchor": "end" }, num(v)));
    }
    scores.forEach((v, i) => {
      svg.append(s("rect", { class: "bar " + (v >= 60 ? "good" : v >= 40 ? "mixed" : "poor"), x: x(i + 1) - bar / 2, y: y(v),
        width: bar, height: y(0) - y(v), rx: 2, "data-score": v }));
    });
    for (let i = 0; i <= turns; i++) {
      svg.append(s("text", { class: "axis", x: x(i), y: H - 8, "text-anchor": "middle" }, num(i)));
    }
    const points = trust.map((v, i) => x(i) + "," + y(v * 100)).join(" ");
    svg.append(s("polyline", { points, fill: "none", "stroke-width": 2.5, class: "trust-line" }));
    trust.forEach((v, i) => svg.append(s("circle", { class: "trust-dot", cx: x(i), cy: y(v * 100), r: 3.5 })));
    return svg;
  }

  // ------------------------------------------------------------------ start-up
  function mount() {
    build();
    fitAccentText();
    const tab = tabStore.get();
    showUnread(tab.unread || 0);
    restoreDraft();
    window.addEventListener("storage", onStorage);
    window.RapportWidget = { open, close, toggle: () => (state.open ? close() : open()), element: ui.host,
      language: LANG };
    if (tab.open) open(); // a reload keeps the chat where the user left it
  }

  window.RapportWidget = { pending: true }; // claim the slot at once (see the guard at the top)
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
