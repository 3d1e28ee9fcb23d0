/* Talkpage embed widget. Renders a page's discussion into the host page's
 * own DOM (no iframe, so search engines read the comments).
 *   <script src="https://talkpage.example/static/talkpage/embed.js"
 *           data-talkpage-site="KEY" async></script>
 *   <div id="talkpage"></div>
 * Options are data-talkpage-* attributes: site, url, title, target, lang,
 * sort, sso. No cookies are used: a signed-in reader's bearer token lives in
 * the host page's sessionStorage and anonymous edit tokens in its
 * localStorage, so it works where third-party cookies are blocked.
 * Only the server's sanitised `html` field is ever set with innerHTML. */
(() => {
  "use strict";
  const me = document.currentScript;
  if (!me || window.Talkpage) return;
  const BASE = new URL(me.src).origin;
  const opt = me.dataset;
  const SITE = opt.talkpageSite;
  const KEY = `talkpage:${SITE}:`;

  const STRINGS = {
    en: {
      comments: "Comments", post: "Post your comments", text: "Your comment",
      name: "Name (optional)", anon: "Post anonymously", submit: "Post comment",
      notify: "Email me when someone replies", email: "Email (optional, for replies)",
      confirm: "To get reply emails, confirm your address with the link we mail to it.",
      signIn: "Sign in", signOut: "Sign out", as: "Signed in as {}",
      reply: "Reply", replyTo: "Reply to {}", edit: "Edit", del: "Delete",
      save: "Save", cancel: "Cancel", sure: "Delete this comment?",
      report: "Report", reason: "Reason", spam: "Spam", abuse: "Abuse",
      misinformation: "Misinformation", other: "Other", send: "Send report",
      thanks: "Thank you. A moderator will look at it.",
      up: "Upvote", down: "Downvote", sort: "Sort by", oldest: "Oldest",
      newest: "Newest", best: "Best", more: "Load more",
      held: "Awaiting moderation", edited: "edited", gone: "[deleted]",
      empty: "No comments yet.", anonymous: "Anonymous",
      popup: "The sign-in window was blocked. Please allow pop-ups for this page.",
      expired: "Your sign-in has expired. Please sign in again.",
      busy: "Too many requests. Try again in {} s.",
      offline: "Could not reach the comments server. Please try again.",
      failed: "Something went wrong. Please try again.",
    },
    de: {
      comments: "Kommentare", post: "Schreiben Sie einen Kommentar",
      text: "Ihr Kommentar", name: "Name (optional)", anon: "Anonym posten",
      notify: "Mich per E-Mail über Antworten informieren",
      email: "E-Mail (optional, für Antworten)",
      confirm: "Bestätigen Sie Ihre Adresse über den Link, den wir Ihnen senden.",
      submit: "Kommentar posten", signIn: "Anmelden", signOut: "Abmelden",
      as: "Angemeldet als {}", reply: "Antworten", replyTo: "Antwort an {}",
      edit: "Bearbeiten", del: "Löschen", save: "Speichern", cancel: "Abbrechen",
      sure: "Diesen Kommentar löschen?", report: "Melden", reason: "Grund",
      spam: "Spam", abuse: "Beleidigung", misinformation: "Falschinformation",
      other: "Sonstiges", send: "Meldung senden",
      thanks: "Danke. Die Moderation sieht sich das an.",
      up: "Positiv bewerten", down: "Negativ bewerten", sort: "Sortieren nach",
      oldest: "Älteste", newest: "Neueste", best: "Beste", more: "Mehr laden",
      held: "Wartet auf Freigabe", edited: "bearbeitet", gone: "[gelöscht]",
      empty: "Noch keine Kommentare.", anonymous: "Anonym",
      popup: "Das Anmeldefenster wurde blockiert. Bitte erlauben Sie Pop-ups für diese Seite.",
      expired: "Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.",
      busy: "Zu viele Anfragen. Bitte in {} s erneut versuchen.",
      offline: "Der Kommentar-Server ist nicht erreichbar. Bitte versuchen Sie es erneut.",
      failed: "Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.",
    },
  };
  const asked = (opt.talkpageLang || document.documentElement.lang ||
    navigator.language || "en").slice(0, 2).toLowerCase();
  const lang = STRINGS[asked] ? asked : "en";
  const t = (key, arg) => (STRINGS[lang][key] || STRINGS.en[key]).replace("{}", arg);
  const dates = new Intl.DateTimeFormat(lang, {
    dateStyle: "medium", timeStyle: "short",
  });

  // Storage can be switched off or full; the widget then just forgets.
  const store = (area, key, value) => {
    try {
      const s = window[area];
      if (value === undefined) return JSON.parse(s.getItem(key));
      if (value === null) s.removeItem(key);
      else s.setItem(key, JSON.stringify(value));
    } catch {
      return null;
    }
  };
  const rid = () => Array.from(crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0")).join("");
  const editToken = (id) => store("localStorage", `${KEY}edit:${id}`);
  const voter = () => {
    let id = store("localStorage", "talkpage:voter");
    if (!id) store("localStorage", "talkpage:voter", (id = rid()));
    return id;
  };

  // h("p", {class: "x", onclick: f}, "text", child): text is never HTML.
  const h = (tag, props, ...kids) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "value") el.value = v;
      else el.setAttribute(k, v === true ? "" : v);
    }
    el.append(...kids.flat().filter((k) => k != null && k !== false));
    return el;
  };
  const button = (label, onclick, props) =>
    h("button", { type: "button", onclick, ...props }, label);
  let seq = 0;
  const field = (label, control) => {
    control.id = `talkpage-f${++seq}`;
    return h("p", { class: "tp-field" }, h("label", { for: control.id }, label), control);
  };
  const alertBox = () => h("p", { class: "tp-error", role: "alert" });

  let cfg, auth = store("sessionStorage", `${KEY}auth`), popup;
  let root, bar, notice, empty, list, more, heading, cursor, loading;
  const sources = new Map(); // comment id -> the text its author just typed

  async function api(method, path, body, headers = {}) {
    const sent = auth;
    const visitor = path.endsWith("/vote") ? voter() : store("localStorage", "talkpage:voter");
    const all = { ...headers };
    if (sent) all.Authorization = `Bearer ${sent.token}`;
    else if (visitor) all["X-Talkpage-Voter"] = visitor;
    if (body) all["Content-Type"] = "application/json";
    let r;
    try {
      r = await fetch(`${BASE}/api/v1${path}`, {
        method, headers: all, body: body && JSON.stringify(body), credentials: "omit",
      });
    } catch {
      throw new Error(t("offline"));
    }
    const data = await r.json().catch(() => ({}));
    if (r.status === 401 && sent) {
      // The token expired: read on signed out, but never write as someone else.
      setAuth(null);
      if (method === "GET") return api(method, path, body, headers);
      throw new Error(t("expired"));
    }
    const wait = r.headers.get("Retry-After");
    if (r.status === 429 && wait) throw new Error(t("busy", wait));
    if (!r.ok) throw new Error(data.error || t("failed"));
    return data;
  }
  const threadQuery = (extra) =>
    new URLSearchParams({ site: SITE, url: cfg.url, ...extra });

  function setAuth(value, reload) {
    auth = value;
    store("sessionStorage", `${KEY}auth`, value);
    syncAuth();
    if (reload) load(true);
  }
  function syncAuth() {
    bar.replaceChildren(...(auth
      ? [h("span", { class: "tp-signed-in" }, t("as", auth.username)), " ",
        button(t("signOut"), () => {
          setAuth(null, true);
          bar.querySelector("button").focus();
        })]
      : [button(t("signIn"), signIn)]));
    for (const form of root.querySelectorAll(".tp-form")) form.sync?.();
  }
  function signIn() {
    const q = new URLSearchParams({ site: SITE, origin: location.origin });
    popup = window.open(`${BASE}/embed/sign-in?${q}`, "talkpage-sign-in",
      "popup,width=520,height=680");
    notice.textContent = popup ? "" : t("popup");
  }
  // Only the popup we opened, on Talkpage's own origin, may sign us in.
  addEventListener("message", (e) => {
    const m = e.data;
    if (e.origin !== BASE || !popup || e.source !== popup || m?.type !==
      "talkpage:signed-in" || typeof m.token !== "string") return;
    try { popup.close(); } catch {}
    popup = null;
    setAuth({ token: m.token, username: String(m.username || "") }, true);
    root.querySelector("textarea")?.focus();
  });
  async function sso() {
    const payload = opt.talkpageSso;
    if (!payload || auth?.sso === payload) return;
    auth = null;
    try {
      const r = await api("POST", "/sso", { site: SITE, payload });
      auth = { token: r.token, username: r.username, sso: payload };
      store("sessionStorage", `${KEY}auth`, auth);
    } catch {} // a stale or replayed payload: stay signed out
  }

  function composer(reply, close) {
    // No maxlength: a browser would cut a pasted text silently; the server
    // refuses an over-long comment with a clear error and the text stays.
    const text = h("textarea", { name: "text", required: true, rows: reply ? 3 : 5 });
    text.addEventListener("keydown", (e) => {
      const submit = form.querySelector("[type=submit]");
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit.click();
    });
    const who = h("div", { class: "tp-who" });
    const err = alertBox();
    const title = h("h3", { id: `talkpage-h${++seq}` }, t("post"));
    const form = h("form", {
      class: "tp-form",
      "aria-label": reply ? t("replyTo", reply.author.name || t("anonymous")) : null,
    }, !reply && title, field(t("text"), text), who, err);
    let key, last;
    form.sync = () => {
      const anon = h("input", { type: "checkbox", name: "anonymous" });
      const name = h("input", { name: "name", maxlength: 80, autocomplete: "nickname",
        value: store("localStorage", "talkpage:name") || "" });
      const notify = h("input", { type: "checkbox", name: "notify" });
      const email = h("input", { type: "email", name: "email", maxlength: 254,
        autocomplete: "email" });
      who.replaceChildren(...(auth
        ? [h("p", { class: "tp-check" }, h("label", {}, anon, " ", t("anon")))]
        : [field(t("name"), name), field(t("email"), email)]),
      h("p", { class: "tp-check" }, h("label", {}, notify, " ", t("notify"))),
      h("p", { class: "tp-buttons" },
        h("button", { type: "submit", class: "tp-primary" }, t(auth ? "submit" : "anon")),
        reply && " ", reply && button(t("cancel"), close)));
    };
    form.sync();
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = { text: text.value, title: cfg.title };
      if (reply) body.reply_to = reply.id;
      const mail = !auth && form.elements.email.value.trim();
      body.notify = form.elements.notify.checked || !!mail;
      if (auth) body.anonymous = form.elements.anonymous.checked;
      else {
        body.name = form.elements.name.value.trim();
        if (mail) body.email = mail;
        store("localStorage", "talkpage:name", body.name || null);
      }
      // A retry of the same words is the same submission (double clicks).
      if (body.text !== last) [key, last] = [rid(), body.text];
      const submit = form.querySelector("[type=submit]");
      submit.disabled = true;
      try {
        const posted = await api("POST", `/threads?${threadQuery()}`, body,
          { "Idempotency-Key": key });
        const c = posted.comment;
        if (posted.edit_token) store("localStorage", `${KEY}edit:${c.id}`, posted.edit_token);
        sources.set(c.id, body.text);
        const li = item(c);
        if (reply) {
          document.getElementById(`tp-c${reply.id}`).parentNode
            .querySelector(":scope > .tp-replies").append(li);
          form.remove();
        } else {
          list[cfg.sort === "newest" ? "prepend" : "append"](li);
          text.value = "";
        }
        last = null;
        err.textContent = mail ? t("confirm") : "";
        empty.hidden = true;
        li.firstChild.focus();
      } catch (x) {
        err.textContent = x.message;
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  function item(c) {
    return h("li", { class: "tp-item" }, article(c),
      h("ol", { class: "tp-replies" }, c.replies.map(item)));
  }
  function article(c) {
    const alive = !c.deleted && c.status !== "removed";
    const held = c.status === "held";
    const mine = c.can_edit || !!editToken(c.id);
    const body = h("div", { class: "tp-body" });
    if (alive) body.innerHTML = c.html; // sanitised by the server
    else body.textContent = t("gone");
    const slot = h("div", { class: "tp-slot" });
    const err = alertBox();
    const art = h("article", { class: "tp-c", id: `tp-c${c.id}`, tabindex: -1 },
      h("header", { class: "tp-meta" },
        alive && h("span", { class: "tp-author" }, c.author.name || t("anonymous")),
        h("a", { href: `#tp-c${c.id}` },
          h("time", { datetime: c.created_at }, dates.format(new Date(c.created_at)))),
        c.edited_at && alive && h("span", {}, t("edited")),
        held && h("span", { class: "tp-held" }, t("held"))),
      body);
    if (!alive) return art;
    const actions = h("div", { class: "tp-actions" });
    if (!held) {
      actions.append(...votes(c, mine, err), button(t("reply"), (e) => {
        const opener = e.currentTarget;
        const form = composer(c, () => {
          form.remove();
          opener.focus();
        });
        slot.replaceChildren(form);
        form.querySelector("textarea").focus();
      }));
    }
    if (mine) {
      actions.append(button(t("edit"), (e) => edit(c, art, body, slot, e.currentTarget)),
        button(t("del"), (e) => remove(c, art, slot, e.currentTarget)));
    } else if (!held) {
      actions.append(button(t("report"), (e) => report(c, slot, e.currentTarget)));
    }
    art.append(actions, err, slot);
    return art;
  }

  function votes(c, mine, err) {
    const make = (value, arrow, label) => {
      const count = h("span", { class: "tp-count" });
      const b = button([h("span", { "aria-hidden": "true" }, arrow),
        h("span", { class: "tp-vh" }, `${label} `), count], async () => {
        b.disabled = true;
        try {
          Object.assign(c, await api("POST", `/comments/${c.id}/vote`,
            { value: c.my_vote === value ? 0 : value }));
          paint();
          err.textContent = "";
        } catch (x) {
          err.textContent = x.message;
        } finally {
          b.disabled = false;
        }
      }, { class: "tp-vote", disabled: mine });
      b.paint = () => {
        b.setAttribute("aria-pressed", c.my_vote === value);
        count.textContent = value > 0 ? c.upvotes : c.downvotes;
      };
      return b;
    };
    const pair = [make(1, "▲", t("up")), make(-1, "▼", t("down"))];
    const paint = () => pair.forEach((b) => b.paint());
    paint();
    return pair;
  }

  const proof = (c) => {
    const token = editToken(c.id);
    return token ? { "X-Talkpage-Edit-Token": token } : {};
  };
  // Before the API sends the source text, rebuild it from the HTML.
  const plain = (html) => {
    const doc = new DOMParser().parseFromString(html, "text/html").body;
    for (const br of doc.querySelectorAll("br")) br.replaceWith("\n");
    return [...doc.children].map((e) => e.textContent).join("\n\n") || doc.textContent;
  };

  function edit(c, art, body, slot, opener) {
    const text = h("textarea", { required: true, rows: 5,
      value: sources.get(c.id) ?? c.text ?? plain(c.html) });
    const err = alertBox();
    const cancel = () => {
      slot.replaceChildren();
      body.hidden = false;
      opener.focus();
    };
    const form = h("form", { class: "tp-edit", "aria-label": t("edit") },
      field(t("text"), text),
      h("p", { class: "tp-buttons" },
        h("button", { type: "submit", class: "tp-primary" }, t("save")), " ",
        button(t("cancel"), cancel)), err);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const { comment } = await api("PATCH", `/comments/${c.id}`,
          { text: text.value }, proof(c));
        sources.set(c.id, text.value);
        const fresh = article({ ...c, ...comment, can_edit: true });
        art.replaceWith(fresh);
        fresh.focus();
      } catch (x) {
        err.textContent = x.message;
      }
    });
    body.hidden = true;
    slot.replaceChildren(form);
    text.focus();
  }

  function remove(c, art, slot, opener) {
    const err = alertBox();
    const yes = button(t("del"), async () => {
      try {
        await api("DELETE", `/comments/${c.id}`, null, proof(c));
        store("localStorage", `${KEY}edit:${c.id}`, null);
        const li = art.parentNode;
        if (li.lastChild.children.length) art.replaceWith(article({ ...c, deleted: true }));
        else li.remove();
        empty.hidden = !!list.firstChild;
        heading.focus();
      } catch (x) {
        err.textContent = x.message;
      }
    }, { class: "tp-danger" });
    slot.replaceChildren(h("div", { class: "tp-confirm", role: "group",
      "aria-label": t("sure") }, h("span", {}, t("sure")), " ", yes, " ",
    button(t("cancel"), () => {
      slot.replaceChildren();
      opener.focus();
    }), err));
    yes.focus();
  }

  function report(c, slot, opener) {
    const reason = h("select", { name: "reason" },
      ["spam", "abuse", "misinformation", "other"].map((r) => h("option", { value: r }, t(r))));
    const err = alertBox();
    const form = h("form", { class: "tp-report", "aria-label": t("report") },
      field(t("reason"), reason),
      h("p", { class: "tp-buttons" },
        h("button", { type: "submit", class: "tp-primary" }, t("send")), " ",
        button(t("cancel"), () => {
          slot.replaceChildren();
          opener.focus();
        })), err);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await api("POST", `/comments/${c.id}/report`, { reason: reason.value });
        slot.replaceChildren(h("p", { class: "tp-thanks", role: "status" }, t("thanks")));
        opener.disabled = true;
      } catch (x) {
        err.textContent = x.message;
      }
    });
    slot.replaceChildren(form);
    reason.focus();
  }

  async function load(reset) {
    const query = threadQuery({ sort: cfg.sort });
    if (!reset && cursor) query.set("after", cursor);
    const mine = (loading = {});
    more.disabled = true;
    try {
      const page = await api("GET", `/threads?${query}`);
      if (mine !== loading) return; // a newer sort or sign-in won
      if (reset) list.replaceChildren(...page.awaiting.map(item));
      const added = page.comments.map(item);
      list.append(...added);
      cursor = page.next_cursor;
      more.hidden = !cursor;
      empty.hidden = !!list.firstChild;
      notice.textContent = "";
      if (!reset) added[0]?.firstChild.focus();
      else if (location.hash.startsWith("#tp-c")) {
        document.getElementById(location.hash.slice(1))?.scrollIntoView();
      }
    } catch (x) {
      if (mine === loading) notice.textContent = x.message;
    } finally {
      more.disabled = false;
    }
  }

  function render(options = {}) {
    const url = new URL(options.url || opt.talkpageUrl || location.href, location.href);
    url.hash = "";
    cfg = {
      url: url.href,
      title: options.title || opt.talkpageTitle || document.title,
      sort: options.sort || opt.talkpageSort || "oldest",
    };
    root = document.querySelector(options.target || opt.talkpageTarget || "#talkpage");
    if (!root || !SITE) return;
    root.classList.add("talkpage");
    root.lang = lang;
    heading = h("h2", { class: "tp-title", tabindex: -1 }, t("comments"));
    bar = h("div", { class: "tp-auth" });
    notice = alertBox();
    empty = h("p", { class: "tp-empty", hidden: true }, t("empty"));
    list = h("ol", { class: "tp-list" });
    more = button(t("more"), () => load(false), { class: "tp-more", hidden: true });
    const sorts = h("div", { class: "tp-sort", role: "group", "aria-label": t("sort") },
      h("span", { "aria-hidden": "true" }, t("sort")),
      ["oldest", "newest", "best"].map((s) => button(t(s), (e) => {
        cfg.sort = s;
        for (const b of sorts.querySelectorAll("button")) {
          b.setAttribute("aria-pressed", b === e.currentTarget);
        }
        load(true);
      }, { "aria-pressed": String(s === cfg.sort) })));
    root.replaceChildren(heading, bar, composer(), notice, sorts, empty, list, more);
    syncAuth();
    load(true);
  }

  if (!document.querySelector("link[data-talkpage]")) {
    document.head.append(h("link", { rel: "stylesheet", "data-talkpage": "",
      href: `${BASE}/static/talkpage/embed.css` }));
  }
  window.Talkpage = { render };
  const start = () => sso().then(() => render());
  if (document.readyState === "loading") addEventListener("DOMContentLoaded", start);
  else start();
})();
