// The console's shell: sign in, keep the operator's JWT for this tab, load views, send actions to the API.
"use strict";
(function () {
  const TEXT = {
    brand: ["投诉处理台", "Complaint desk"], queue: ["工单队列", "Queue"], reports: ["报表", "Reports"],
    board: ["班组看板", "Board"], search: ["查找", "Search"],
    sign_in: ["登录", "Sign in"], sign_out: ["退出", "Sign out"], username: ["工号", "Agent id"],
    password: ["密码", "Password"], role: ["角色", "Role"], token: ["访问令牌", "Access token"],
    local_hint: ["仅限本地开发环境：不验证密码，令牌由本地开发密钥签发；部署后由用户池登录。",
                 "Development only (local stack): no password is checked; tokens are signed with the local development key. A deployed desk signs in through its user pool."],
    done: ["已提交", "Done"], failed: ["未成功", "Not done"], expired: ["登录已过期，请重新登录", "Signed out: please sign in again"],
  };
  const state = { config: null, token: sessionStorage.getItem("desk.token"), who: sessionStorage.getItem("desk.who"),
                  lang: localStorage.getItem("desk.lang") || (navigator.language.startsWith("zh") ? "zh-CN" : "en") };
  const $ = (selector) => document.querySelector(selector);
  const tr = (key) => TEXT[key][state.lang === "zh-CN" ? 0 : 1];

  function applyLanguage() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = tr(el.dataset.i18n); });
    $("#lang").textContent = state.lang === "zh-CN" ? "English" : "中文";
  }

  async function signIn(form) {
    const data = new FormData(form);
    const mode = state.config.mode;
    let token;
    if (mode === "local") {
      const answer = await fetch(state.config.token_url, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ agent: data.get("username"), role: data.get("role") || null }) });
      if (!answer.ok) throw new Error((await answer.json()).message);
      token = (await answer.json()).access_token;
    } else if (mode === "cognito") {
      const answer = await fetch(`https://cognito-idp.${state.config.region}.amazonaws.com/`, { method: "POST",
        headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth" },
        body: JSON.stringify({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: state.config.client_id,
                               AuthParameters: { USERNAME: data.get("username"), PASSWORD: data.get("password") } }) });
      const body = await answer.json();
      if (!answer.ok) throw new Error(body.message || body.__type);
      if (!body.AuthenticationResult) throw new Error(`${body.ChallengeName}: finish it with the AWS CLI first (DEPLOY.md)`);
      token = body.AuthenticationResult.AccessToken;
    } else {
      token = String(data.get("token") || "").trim();
    }
    state.token = token;
    state.who = data.get("username") || "";
    sessionStorage.setItem("desk.token", token);
    sessionStorage.setItem("desk.who", state.who);
  }

  function signOut(message) {
    state.token = null;
    sessionStorage.removeItem("desk.token");
    sessionStorage.removeItem("desk.who");
    show(message || "");
  }

  async function api(path, options) {
    const answer = await fetch(path, { ...options, headers: { ...(options && options.headers), Authorization: `Bearer ${state.token}` } });
    if (answer.status === 401) { signOut(tr("expired")); throw new Error(tr("expired")); }
    return answer;
  }

  function route() {
    const hash = location.hash.replace(/^#\/?/, "");
    const [page, ...rest] = hash.split("/");
    const [path, query] = (rest.join("/") || "").split("?");
    const params = new URLSearchParams(query || (hash.includes("?") ? hash.split("?")[1] : ""));
    params.set("lang", state.lang);
    if (page === "complaints" && path) return `/console/views/complaints/${encodeURIComponent(path)}?${params}`;
    if (page === "board") return `/console/views/board?lang=${state.lang}`;
    if (page === "search") return `/console/views/search?lang=${state.lang}`;
    if (page.startsWith("reports")) {
      const own = new URLSearchParams(hash.includes("?") ? hash.split("?")[1] : "");
      own.set("lang", state.lang);
      return `/console/views/reports?${own}`;
    }
    if (path) params.set("scope", path);
    return `/console/views/queue?${params}`;
  }

  async function show(error) {
    applyLanguage();
    const signedIn = Boolean(state.token);
    $("#sign-in").hidden = signedIn;
    $("#sign-out").hidden = !signedIn;
    $("#who").textContent = signedIn ? state.who : "";
    $("#sign-in-error").textContent = error || "";
    if (!signedIn) { $("#view").innerHTML = ""; return; }
    const answer = await api(route());
    render(answer, await answer.text());
  }

  // The views are the server's HTML, escaped there, refusals included; anything else is shown as text.
  function render(answer, text) {
    const html = (answer.headers.get("Content-Type") || "").startsWith("text/html");
    $("#view").innerHTML = html ? text : `<p class="error" role="alert">${answer.status}: ${escapeHtml(text)}</p>`;
    tick();
    schedule();
  }

  // A view that asks to be refreshed (the board) is drawn again on its interval while it is on screen,
  // unless someone is typing in it.
  let refresher = null;
  function schedule() {
    clearTimeout(refresher);
    const view = document.querySelector("[data-refresh]");
    if (!view) return;
    const hash = location.hash;
    refresher = setTimeout(async () => {
      const typing = document.activeElement && document.activeElement.closest("#view form");
      if (location.hash !== hash || !state.token) return;
      if (document.hidden || typing) { schedule(); return; }
      const answer = await api(route());
      render(answer, await answer.text());
    }, Number(view.dataset.refresh) * 1000);
  }

  // The query goes in a POST body, so a phone number stays out of addresses and history.
  async function search(form) {
    const q = String(new FormData(form).get("q") || "").trim();
    const answer = await api(`${form.dataset.api}?lang=${state.lang}`, { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ q }) });
    const text = await answer.text();
    const holder = document.createElement("div");
    holder.innerHTML = (answer.headers.get("Content-Type") || "").startsWith("text/html") ? text
      : `<p class="error" role="alert">${answer.status}: ${escapeHtml(text)}</p>`;
    const results = holder.querySelector(".search-results");
    form.closest("[data-view]").querySelector(".search-results").replaceWith(results || holder);
  }

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  // Countdowns run on the desk's clock: the view says what time it was when drawn.
  function tick() {
    const root = document.querySelector("[data-now]");
    if (!root) return;
    if (!root.dataset.offset) root.dataset.offset = String(Date.parse(root.dataset.now) - Date.now());
    const now = Date.now() + Number(root.dataset.offset);
    document.querySelectorAll("[data-due]").forEach((el) => {
      const left = Math.round((Date.parse(el.dataset.due) - now) / 60000);
      const sign = left < 0 ? "-" : "", minutes = Math.abs(left);
      const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
      const pad = (n) => String(n).padStart(2, "0");
      const label = el.querySelector(".countdown");
      if (label) label.textContent = `${sign}${days ? days + "d " : ""}${pad(hours)}:${pad(mins)}`;
      if (left < 0) { el.classList.remove("ok", "at-risk"); el.classList.add("missed"); }
    });
  }
  setInterval(tick, 30000);

  async function submitAction(form) {
    const data = new FormData(form);
    const body = {};
    for (const [key, value] of data.entries()) {
      if (value === "") continue;
      const control = form.querySelector(`[name="${key}"]`);
      const type = control && control.dataset.type;
      const read = key === "due_at" ? new Date(value).toISOString()
        : type === "boolean" ? value === "true" : type === "integer" && /^-?\d+$/.test(value) ? Number(value) : value;
      // "location.building" is the building of the body's location, as the API names the field in its errors.
      const [outer, inner] = key.split(".");
      if (inner === undefined) body[key] = read;
      else (body[outer] = body[outer] || {})[inner] = read;
    }
    let path = form.dataset.api;
    if (path.includes("{kind}")) { path = path.replace("{kind}", encodeURIComponent(body.kind)); delete body.kind; }
    const output = form.querySelector("output");
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    form.querySelectorAll(".field-error").forEach((el) => el.remove());
    const answer = await api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const reply = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      const errors = reply.errors || [];
      const detail = errors.map((e) => `${e.field}: ${e.reason}`).join("; ");
      output.textContent = `${tr("failed")}: ${reply.message || answer.status}${detail ? " — " + detail : ""}`;
      output.className = "answer error";
      // Each field at fault is marked, with its reason beside it.
      for (const e of errors) {
        const control = form.querySelector(`[name="${CSS.escape(String(e.field))}"]`);
        if (!control) continue;
        control.setAttribute("aria-invalid", "true");
        const note = document.createElement("span");
        note.className = "field-error error";
        note.textContent = e.reason;
        control.insertAdjacentElement("afterend", note);
      }
      return;
    }
    output.textContent = `${tr("done")}: ${reply.message || ""}`;
    if (!document.querySelector("[data-view=complaint]")) {  // the board: draw it again at once
      const answer = await api(route());
      $("#view").innerHTML = await answer.text();
      tick(); schedule();
      return;
    }
    if (form.dataset.redraw === "now") {  // the workflow does not move: draw the complaint again at once
      const again = await api(route());
      // A department consulted or assisting sees the complaint only while it is: once done, the answer stays.
      if (!again.ok) return;
      $("#view").innerHTML = await again.text();
      flash(`${tr("done")}: ${reply.message || ""}`);
      tick(); schedule();
      return;
    }
    // The workflow moves on its own time; draw the complaint again once it has.
    for (let attempt = 0; attempt < 10; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const view = document.querySelector("[data-view=complaint]");
      const before = view && view.querySelector("[data-current]") && view.querySelector("[data-current]").dataset.current;
      const answer = await api(route());
      const text = await answer.text();
      const holder = document.createElement("div");
      holder.innerHTML = text;
      const after = holder.querySelector("[data-current]") && holder.querySelector("[data-current]").dataset.current;
      if (after !== before || attempt === 9) { $("#view").innerHTML = text; tick(); schedule(); break; }
    }
  }

  // What the last action answered, kept above the complaint once it is drawn again.
  function flash(text) {
    const view = document.querySelector("[data-view=complaint]");
    if (!view) return;
    const note = document.createElement("p");
    note.className = "flash";
    note.setAttribute("role", "status");
    note.textContent = text;
    view.insertBefore(note, view.children[1] || null);
  }

  async function download(link) {
    const answer = await api(link.dataset.download);
    if (!answer.ok) { link.textContent = `${tr("failed")}: ${answer.status}`; return; }
    const url = URL.createObjectURL(await answer.blob());
    const save = document.createElement("a");
    save.href = url;
    save.download = link.dataset.filename;
    document.body.appendChild(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-download]");
    if (link) { event.preventDefault(); download(link); }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    event.preventDefault();
    if (form.classList.contains("period")) {
      const data = new FormData(form);
      location.hash = `#/reports?from=${data.get("from")}&to=${data.get("to")}`;
    } else if (form.classList.contains("search")) {
      const button = form.querySelector("button");
      button.disabled = true;
      search(form).finally(() => { button.disabled = false; });
    } else if (form.id === "sign-in") {
      signIn(form).then(() => show(), (error) => show(error.message));
    } else if (form.classList.contains("action")) {
      const button = form.querySelector("button");
      button.disabled = true;
      submitAction(form).catch((error) => { form.querySelector("output").textContent = error.message; })
        .finally(() => { button.disabled = false; });
    }
  });
  $("#sign-out").addEventListener("click", () => signOut());
  $("#lang").addEventListener("click", () => {
    state.lang = state.lang === "zh-CN" ? "en" : "zh-CN";
    localStorage.setItem("desk.lang", state.lang);
    show();
  });
  window.addEventListener("hashchange", () => show());

  fetch("/console/config").then((r) => r.json()).then((config) => {
    state.config = config;
    document.querySelectorAll("[data-mode]").forEach((el) => {
      el.hidden = !el.dataset.mode.split(" ").includes(config.mode);
      el.querySelectorAll("input, textarea").forEach((input) => { input.disabled = el.hidden; });
    });
    if (config.mode === "cognito") document.querySelector("[name=password]").required = true;
    show();
  });
})();
