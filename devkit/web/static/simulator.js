// Nudge's local web Chat simulator: the page's only script (no framework, no build step).
// Every action is a JSON POST to the simulator server, which sends the real signed
// Chat event to chat_app; the timeline and the inspector are HTML the server renders.
(function () {
  "use strict";

  var body = document.body;
  var page = body.dataset.page;
  var dialogState = null; // {message: "spaces/…/messages/…"} while a dialog is open
  var replyThread = "";
  var commands = null;
  var polling = false;
  var toastTimer = null;

  function $(id) { return document.getElementById(id); }

  function settings() {
    return {
      user: body.dataset.user, format: body.dataset.format, locale: body.dataset.locale,
      tz: body.dataset.tz, tzall: body.dataset.tzall
    };
  }

  function query(extra) {
    var values = Object.assign(settings(), { space: body.dataset.space }, extra || {});
    return Object.keys(values).filter(function (k) { return values[k]; }).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(values[k]);
    }).join("&");
  }

  // Colours come as data attributes (a strict CSP forbids style attributes); the server
  // only lets #hex and named colours through.
  function decorate(root) {
    root.querySelectorAll("[data-color]").forEach(function (el) { el.style.color = el.dataset.color; });
    root.querySelectorAll("[data-bg]").forEach(function (el) {
      el.style.backgroundColor = el.dataset.bg;
      el.style.borderColor = el.dataset.bg;
      el.style.color = "#fff";
    });
    root.querySelectorAll("[data-lines]").forEach(function (el) {
      el.style.webkitLineClamp = el.dataset.lines;
    });
  }

  function toast(text, isError) {
    var el = $("toast");
    if (!el || !text) { return; }
    el.textContent = text;
    el.className = "toast" + (isError ? " error" : "");
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.hidden = true; }, isError ? 9000 : 5000);
  }

  function post(url, payload) {
    payload.settings = settings();
    payload.space = body.dataset.space;
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, error: "HTTP " + response.status }; });
    }).catch(function (err) { return { ok: false, error: String(err) }; });
  }

  // --- timeline and inspector -----------------------------------------------------------

  function refreshTimeline() {
    var box = $("timeline");
    if (!box || polling) { return Promise.resolve(); }
    polling = true;
    return fetch("/fragment/timeline?" + query({ v: body.dataset.version }))
      .then(function (response) {
        if (response.status !== 200) { return null; }
        return response.text();
      })
      .then(function (html) { if (html) { merge(box, html); } })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { polling = false; });
  }

  // Messages whose content did not change keep their DOM node (and what was typed in them).
  function merge(box, html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content.firstElementChild;
    if (!fresh) { return; }
    fresh.querySelectorAll("article.message").forEach(function (message) {
      var old = box.querySelector('article.message[data-name="' + CSS.escape(message.dataset.name) + '"]');
      if (old && old.dataset.version === message.dataset.version) { message.replaceWith(old); }
    });
    var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.replaceChildren(fresh);
    decorate(fresh);
    body.dataset.version = fresh.dataset.version || "";
    if (atBottom) { box.scrollTop = box.scrollHeight; }
  }

  function refreshInspector() {
    var box = $("exchanges");
    if (!box) { return; }
    var first = box.querySelector(".exchange");
    var after = first ? first.dataset.id : "0";
    fetch("/fragment/inspector?after=" + encodeURIComponent(after)).then(function (response) {
      return response.status === 200 ? response.text() : "";
    }).then(function (html) {
      if (!html) { return; }
      var template = document.createElement("template");
      template.innerHTML = html;
      box.prepend(template.content);
    }).catch(function () { /* next time */ });
  }

  // --- outcomes ---------------------------------------------------------------------------

  function handle(result) {
    if (result.error) { toast(result.error, true); }
    if (result.dialog) { openDialog(result.dialog); }
    else if (result.closeDialog) { closeDialog(); }
    if (result.toast) { toast(result.toast, false); }
    if (result.configUrl && /^https?:\/\//i.test(result.configUrl)) { notice(result.configUrl); }
    if (result.location) { window.location.assign(result.location); return; }
    refreshTimeline();
    refreshInspector();
  }

  function notice(url) {
    var box = $("notices");
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "notice";
    item.append("Only visible to you: Nudge needs your permission. ");
    var link = document.createElement("a");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.textContent = "Configure";
    item.append(link);
    box.replaceChildren(item);
  }

  function openDialog(html) {
    var dialog = $("dialog");
    var holder = $("dialog-body");
    if (!dialog || !holder) { return; }
    holder.innerHTML = html;
    decorate(holder);
    if (!dialog.open) { dialog.showModal(); }
    var first = holder.querySelector("input, textarea, select");
    if (first) { first.focus(); }
  }

  function closeDialog() {
    var dialog = $("dialog");
    if (dialog && dialog.open) { dialog.close(); }
    dialogState = null;
  }

  // --- card forms -------------------------------------------------------------------------

  function collect(container) {
    var out = {};
    if (!container) { return out; }
    container.querySelectorAll("[data-field]").forEach(function (el) {
      var name = el.dataset.name;
      if (!name) { return; }
      var kind = el.dataset.field;
      if (kind === "text") {
        out[name] = { kind: "text", values: [el.value] };
      } else if (kind === "switch") {
        if (el.checked) { out[name] = { kind: "text", values: [el.value] }; }
      } else if (kind === "selection") {
        var select = el.querySelector("select");
        var values = select
          ? Array.prototype.map.call(select.selectedOptions, function (o) { return o.value; })
          : Array.prototype.map.call(el.querySelectorAll("input:checked"), function (i) { return i.value; });
        out[name] = { kind: "text", values: values };
      } else if (kind === "datetime") {
        out[name] = {
          kind: "datetime", type: el.dataset.kind, value: el.value,
          offset: el.dataset.offset ? parseInt(el.dataset.offset, 10) : null
        };
      }
    });
    return out;
  }

  function where(el) {
    var holder = $("dialog-body");
    var inDialog = !!(holder && holder.contains(el));
    var message = el.closest("article.message");
    return {
      inDialog: inDialog,
      message: inDialog ? (dialogState && dialogState.message) || "" : (message ? message.dataset.name : ""),
      form: collect(inDialog ? holder : el.closest(".card") || message)
    };
  }

  function sendAction(el, actionJson) {
    var action = JSON.parse(actionJson);
    if (page === "preview") {
      toast("Preview only: this would send CARD_CLICKED for " + action.function, false);
      return;
    }
    var spot = where(el);
    if (!spot.inDialog) { dialogState = { message: spot.message }; }
    el.disabled = true;
    post("/api/action", {
      message: spot.message, action: action, formInputs: spot.form, inDialog: spot.inDialog
    }).then(function (result) {
      el.disabled = false;
      if (!result.dialog && !spot.inDialog) { dialogState = null; }
      handle(result);
    });
  }

  function dialogAction() {
    var holder = $("dialog-body");
    var buttons = holder ? holder.querySelectorAll(".card-footer [data-action]") : [];
    var button = buttons.length ? buttons[buttons.length - 1] : holder && holder.querySelector("[data-action]");
    return button ? JSON.parse(button.dataset.action) : null;
  }

  function cancelDialog() {
    var message = dialogState ? dialogState.message : "";
    var action = dialogAction();
    closeDialog();
    post("/api/dialog/cancel", { message: message, action: action }).then(handle);
  }

  var autocompleteTimer = null;
  function autocomplete(el, actionJson) {
    clearTimeout(autocompleteTimer);
    autocompleteTimer = setTimeout(function () {
      if (page === "preview") { return; }
      var spot = where(el);
      post("/api/widget", {
        message: spot.message, action: JSON.parse(actionJson), query: el.value, formInputs: spot.form
      }).then(function (result) {
        if (result.error) { toast(result.error, true); }
        showSuggestions(el, result.suggestions || []);
        refreshInspector();
      });
    }, 300);
  }

  function showSuggestions(el, items) {
    var list = el.list;
    var select = el.closest("fieldset") && el.closest("fieldset").querySelector("select");
    if (list) {
      list.replaceChildren();
      items.forEach(function (item) {
        var option = document.createElement("option");
        option.value = item.value || item.text || "";
        option.textContent = item.text || item.value || "";
        list.append(option);
      });
    } else if (select) {
      items.forEach(function (item) {
        var value = item.value || item.text || "";
        if (!Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
          select.append(new Option(item.text || value, value));
        }
      });
    }
    el.classList.toggle("has-suggestions", items.length > 0);
    el.dataset.suggestions = String(items.length);
  }

  // --- compose --------------------------------------------------------------------------------

  function loadCommands() {
    if (commands !== null) { return Promise.resolve(commands); }
    commands = [];
    return fetch("/api/commands?" + query()).then(function (r) { return r.json(); }).then(function (data) {
      commands = data.commands || [];
      return commands;
    }).catch(function () { commands = null; return []; });
  }

  function showCommands(text) {
    var menu = $("command-menu");
    if (!menu) { return; }
    if (!/^\/\S*$/.test(text)) { menu.hidden = true; return; }
    loadCommands().then(function (list) {
      var shown = list.filter(function (c) { return c.name.indexOf(text) === 0; });
      menu.replaceChildren();
      shown.forEach(function (command) {
        var item = document.createElement("li");
        item.setAttribute("role", "option");
        item.dataset.command = command.name;
        var name = document.createElement("b");
        name.textContent = command.name;
        item.append(name, " " + (command.usage || ""));
        if (command.description) {
          var text2 = document.createElement("span");
          text2.className = "dim";
          text2.textContent = " — " + command.description;
          item.append(text2);
        }
        menu.append(item);
      });
      menu.hidden = shown.length === 0;
    });
  }

  function send(event) {
    event.preventDefault();
    var input = $("compose-text");
    var text = input.value.trim();
    if (!text) { return; }
    var button = $("send");
    button.disabled = true;
    $("command-menu").hidden = true;
    post("/api/send", { text: text, thread: replyThread }).then(function (result) {
      button.disabled = false;
      if (!result.error) { input.value = ""; setReply(""); }
      handle(result);
    });
  }

  function setReply(thread) {
    replyThread = thread;
    var bar = $("replying");
    if (bar) { bar.hidden = !thread; }
    if (thread) { $("compose-text").focus(); }
  }

  // --- wiring ---------------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var actionEl = target.closest("[data-action]");
    if (actionEl && !actionEl.disabled) { event.preventDefault(); sendAction(actionEl, actionEl.dataset.action); return; }
    if (target.closest("[data-dialog-cancel]")) { cancelDialog(); return; }
    var reply = target.closest("[data-reply]");
    if (reply) { setReply(reply.dataset.reply); return; }
    var command = target.closest("[data-command]");
    if (command) {
      var input = $("compose-text");
      input.value = command.dataset.command + " ";
      input.focus();
      $("command-menu").hidden = true;
      return;
    }
    if (target.id === "cancel-reply") { setReply(""); return; }
    if (target.id === "open-dm") { post("/api/dm", {}).then(handle); }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var changing = target.closest("[data-on-change]");
    if (changing) { sendAction(target, changing.dataset.onChange); }
  });

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) { return; }
    if (target.dataset.autocomplete) { autocomplete(target, target.dataset.autocomplete); }
    else if (target.dataset.external) { autocomplete(target, target.dataset.external); }
    else if (target.id === "compose-text") { showCommands(target.value); }
  });

  var form = $("compose");
  if (form) {
    form.addEventListener("submit", send);
    $("compose-text").addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { send(event); }
      if (event.key === "Escape") { $("command-menu").hidden = true; }
    });
  }

  var dialog = $("dialog");
  if (dialog) {
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); cancelDialog(); });
  }

  var settingsForm = $("settings");
  if (settingsForm) {
    ["user", "format", "tzall"].forEach(function (id) {
      var el = $(id);
      if (el) { el.addEventListener("change", function () { settingsForm.submit(); }); }
    });
  }

  decorate(document);
  var timeline = $("timeline");
  if (timeline) {
    timeline.scrollTop = timeline.scrollHeight;
    setInterval(refreshTimeline, 1000);
    setInterval(refreshInspector, 2000);
  }
  body.dataset.ready = "1";
})();
