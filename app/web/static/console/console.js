// The operator console. A file of its own: the page's CSP allows no inline script.
// Every value from the API goes into the page as text (textContent), never as HTML.
//
// Where answers appear: an action's result shows where the operator acted, in a panel right
// under the row (or under the form), announced to screen readers (aria-live), scrolled into
// view, and focus goes back to the control that was used. Starting an action clears what the
// last one left (its panel, its errors). Lists are drawn again after each change; the open
// panel is carried over to the row's new place, or to where the row was if it left the list.
"use strict";

(function () {
  var TOKEN_KEY = "birdhouse-admin-token";
  var STATUS_WORDS = {
    ok: "healthy",
    read_only: "read only: cannot post",
    revoked: "revoked: needs a new link",
    renamed: "renamed at X",
    forbidden: "forbidden by X",
    app_keys_rejected: "app keys rejected",
    credits_depleted: "API credits depleted",
    unreachable: "X unreachable",
    unchecked: "not checked yet",
  };
  var INVITE_WORDS = { pending: "pending", used: "used", revoked: "withdrawn", expired: "expired" };
  // Each form field the API can refuse, in the form's own words (its label and its rule).
  var FIELD_WORDS = {
    screen_name: {
      label: "Screen name",
      rule: "1 to 15 letters, digits or underscores, like HelloBot (an @ in front is fine)",
    },
    expires_in: { label: "Link works for", rule: "choose one of the lifetimes offered" },
    note: { label: "Note", rule: "at most 200 characters" },
    text: { label: "Tweet text", rule: "1 to 280 characters" },
  };
  var accountsPrefix = document.body.getAttribute("data-accounts-prefix") || "";
  var accounts = [];

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name === "onclick") node.addEventListener("click", attrs[name]);
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function when(text) {
    if (!text) return "—";
    var date = new Date(text);
    return isNaN(date) ? text : date.toLocaleString();
  }

  // X refuses the same text twice from one account, so every default is new.
  function uniqueTweetText() {
    var random = Math.random().toString(36).slice(2, 8);
    return "Test post from Birdhouse, " + new Date().toLocaleString() + " (" + random + ")";
  }

  // Page-wide messages only (sign-out, a list that failed to load); actions answer in place.
  function notify(text, kind) {
    var notice = $("notice");
    notice.textContent = text;
    notice.className = kind || "info";
    notice.hidden = false;
  }

  // The API's words: {"detail", "code"}, and for a refused field its words under `errors`.
  function describeError(status, body) {
    if (body && Array.isArray(body.errors) && body.errors.length) {
      return body.errors.map(describeField).join(" ");
    }
    if (body && typeof body.detail === "string") return body.detail;
    return "The server answered with HTTP status " + status + ".";
  }

  function describeField(item) {
    var loc = item.loc || [];
    var field = loc[loc.length - 1];
    var words = FIELD_WORDS[field];
    if (!words) return (field ? field + ": " : "") + item.msg;
    return words.label + ": " + words.rule + ".";
  }

  function api(method, path, body, token) {
    var headers = { Authorization: "Bearer " + (token || sessionStorage.getItem(TOKEN_KEY)) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    // Relative: stays under a REST API stage prefix, like the page itself.
    return fetch(path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    }).then(
      function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            if (response.ok) return data;
            var error = new Error(describeError(response.status, data));
            error.status = response.status;
            error.fields = (data && data.errors) || [];
            throw error;
          });
      },
      function () {
        throw new Error("Could not reach Birdhouse. Check the connection and try again.");
      }
    );
  }

  // A 401 after sign-in: the token changed or was rotated; ask for it again. True if so.
  function signedOutBy(error) {
    if (error.status !== 401) return false;
    signOut();
    showSigninError(error.message);
    return true;
  }

  function showSigninError(text) {
    var box = $("signin-error");
    box.textContent = "Sign-in failed: " + text;
    box.hidden = false;
  }

  // Panels beside a row ---------------------------------------------------------

  // One open panel per list: {key, row (the <tr> holding it), index (where its row was)}.
  var beside = {};
  var KEY_ATTRIBUTE = { accounts: "data-screen-name", deleted: "data-screen-name", invites: "data-invite-id" };
  var COLUMNS = { accounts: 7, deleted: 4, invites: 7 };

  function rowOf(list, key) {
    var rows = $(list).querySelectorAll("tbody > tr[" + KEY_ATTRIBUTE[list] + "]");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute(KEY_ATTRIBUTE[list]) === key) return rows[i];
    }
    return null;
  }

  // What the last action left behind, anywhere: panels, form errors, the page notice.
  function clearStale() {
    Object.keys(beside).forEach(closePanel);
    $("notice").hidden = true;
    clearFormErrors();
  }

  function closePanel(list) {
    var open = beside[list];
    if (open && open.row.parentNode) open.row.parentNode.removeChild(open.row);
    delete beside[list];
  }

  // A panel right under the row of `key`, with a live region for the action's answer.
  function openPanel(list, key, title) {
    clearStale();
    var status = el("p", { class: "result", role: "status", "aria-live": "polite", tabindex: "-1" });
    var body = el("div", { class: "panel-body" });
    var heading = el("h2", { text: title });
    var cell = el("td", { colspan: String(COLUMNS[list]) }, [heading, body, status]);
    var panelRow = el("tr", { class: "beside", "data-for": key }, [cell]);
    var row = rowOf(list, key);
    var rows = Array.prototype.slice.call(row.parentNode.children);
    row.parentNode.insertBefore(panelRow, row.nextSibling);
    beside[list] = { key: key, row: panelRow, index: rows.indexOf(row) };
    return {
      body: body,
      say: function (text, kind) {
        status.textContent = text;
        status.className = "result " + (kind || "info");
        panelRow.scrollIntoView({ block: "nearest" });
      },
      status: status,
      row: panelRow,
      retitle: function (text) {
        heading.textContent = text;
      },
    };
  }

  // After a list is drawn again: the open panel goes back under its row, or where it was.
  function placePanel(list) {
    var open = beside[list];
    if (!open) return;
    var body = $(list).querySelector("tbody");
    var row = rowOf(list, open.key);
    if (row) body.insertBefore(open.row, row.nextSibling);
    else body.insertBefore(open.row, body.children[open.index] || null);
    open.row.scrollIntoView({ block: "nearest" });
  }

  // Focus back on the control the operator used, in the row as it is drawn now.
  function refocus(list, key, selector, fallback) {
    var row = rowOf(list, key);
    var control = row && row.querySelector(selector);
    (control || fallback).focus();
  }

  function closeButton(list, key, opener) {
    return el("button", {
      type: "button",
      class: "quiet close",
      text: "Close",
      onclick: function () {
        closePanel(list);
        var row = rowOf(list, key);
        var control = row && row.querySelector(opener);
        if (control) control.focus();
      },
    });
  }

  // Views and sign-in -----------------------------------------------------------

  function show(view) {
    clearStale();
    ["accounts", "deleted", "invites"].forEach(function (name) {
      $("view-" + name).hidden = name !== view;
    });
    document.querySelectorAll("#nav .tab").forEach(function (tab) {
      if (tab.getAttribute("data-view") === view) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    });
    if (view === "accounts") loadAccounts();
    if (view === "deleted") loadDeleted();
    if (view === "invites") {
      clearInviteResult();
      loadInvites();
    }
  }

  function signedIn() {
    $("signin").hidden = true;
    $("nav").hidden = false;
    show("accounts");
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    clearStale();
    clearInviteResult();
    $("nav").hidden = true;
    ["accounts", "deleted", "invites"].forEach(function (name) {
      $("view-" + name).hidden = true;
    });
    $("signin").hidden = false;
    $("token").value = "";
    $("token").focus();
  }

  $("signin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var token = $("token").value.trim();
    $("signin-error").hidden = true;
    api("GET", "accounts", undefined, token).then(
      function () {
        sessionStorage.setItem(TOKEN_KEY, token);
        $("token").value = "";
        signedIn();
      },
      function (error) {
        showSigninError(error.message);
      }
    );
  });
  $("sign-out").addEventListener("click", function () {
    signOut();
    notify("Signed out. The token is forgotten.", "info");
  });
  document.querySelectorAll("#nav .tab").forEach(function (tab) {
    tab.addEventListener("click", function () {
      show(tab.getAttribute("data-view"));
    });
  });

  // Accounts ---------------------------------------------------------------

  function loadAccounts() {
    var status = $("status-filter").value;
    return api("GET", "accounts" + (status ? "?status=" + encodeURIComponent(status) : "")).then(
      function (data) {
        accounts = data.accounts;
        renderAccounts();
      },
      function (error) {
        if (!signedOutBy(error)) notify("Could not list the accounts: " + error.message, "error");
      }
    );
  }

  function statusBadge(status) {
    return el("span", { class: "status status-" + status, title: status }, [
      STATUS_WORDS[status] || status,
    ]);
  }

  function renderAccounts() {
    var needle = $("search").value.trim().replace(/^@/, "").toLowerCase();
    var body = $("accounts").querySelector("tbody");
    body.textContent = "";
    var shown = accounts.filter(function (account) {
      return account.screen_name.toLowerCase().indexOf(needle) !== -1;
    });
    shown.forEach(function (account) {
      var name = account.screen_name;
      var actions = el("td", { "data-label": "Actions", class: "actions" }, [
        el("button", { type: "button", class: "verify", text: "Verify", onclick: function () { verify(name); } }),
        el("button", { type: "button", class: "tweet", text: "Test tweet", onclick: function () { tweetForm(name); } }),
        el("button", { type: "button", class: "reset", text: "Reset", onclick: function () { resetForm(name); } }),
        el("button", { type: "button", class: "delete danger", text: "Delete", onclick: function () { deleteForm(name); } }),
        el("button", { type: "button", class: "snippet quiet", text: "Bot snippet", onclick: function () { snippet(name); } }),
      ]);
      var conflict = account.name_conflict ? [el("div", { class: "muted small", text: account.name_conflict })] : [];
      body.appendChild(
        el("tr", { "data-screen-name": name }, [
          el("td", { "data-label": "Screen name", class: "name" }, ["@" + name].concat(conflict)),
          el("td", { "data-label": "User id", text: account.user_id }),
          el("td", { "data-label": "Status", class: "status-cell" }, [statusBadge(account.status)]),
          el("td", { "data-label": "Access", text: account.access_level || "—" }),
          el("td", { "data-label": "Last checked", text: when(account.checked_at) }),
          el("td", { "data-label": "Connected", text: when(account.authorized_at) }),
          actions,
        ])
      );
    });
    $("accounts-empty").hidden = shown.length !== 0;
    placePanel("accounts");
  }

  function path(name) {
    return "accounts/" + encodeURIComponent(name);
  }

  function verify(name) {
    var panel = openPanel("accounts", name, "Verify @" + name);
    panel.say("Checking @" + name + " at X…", "info");
    var done = function (text, kind) {
      // Drawn again: the check was recorded as the account's status.
      return loadAccounts().then(function () {
        panel.say(text, kind);
        refocus("accounts", name, ".verify", panel.status);
      });
    };
    api("POST", path(name) + "/verify").then(
      function (result) {
        done("@" + name + ": " + result.detail, result.ok ? "ok" : "warn");
      },
      function (error) {
        if (!signedOutBy(error)) done(error.message, "error");
      }
    );
  }

  function tweetForm(name) {
    var panel = openPanel("accounts", name, "Test tweet from @" + name);
    var text = el("textarea", { id: "tweet-text", rows: "3", maxlength: "280", "aria-label": "Tweet text" });
    text.value = uniqueTweetText();
    var send = el("button", { type: "button", id: "send-tweet", text: "Post it" });
    send.addEventListener("click", function () {
      panel.say("Posting as @" + name + "…", "info");
      send.disabled = true;
      api("POST", path(name) + "/test-tweet", { text: text.value }).then(
        function (posted) {
          panel.say("Posted as @" + name + " (tweet " + posted.id + ").", "ok");
          text.value = uniqueTweetText(); // ready for another: never the same text twice
        },
        function (error) {
          if (!signedOutBy(error)) panel.say(error.message, "error");
        }
      ).then(function () {
        send.disabled = false;
        if (!send.isConnected) return;
        send.focus();
      });
    });
    panel.body.appendChild(text);
    panel.body.appendChild(el("div", { class: "row" }, [send, closeButton("accounts", name, ".tweet")]));
    text.focus();
    panel.row.scrollIntoView({ block: "nearest" });
  }

  // Ask first, beside the row: `what` says what happens; `confirm` runs the action.
  function confirmIn(panel, list, key, opener, what, label, confirmId, confirm) {
    var button = el("button", { type: "button", id: confirmId, class: "danger", text: label });
    var cancel = closeButton(list, key, opener);
    cancel.textContent = "Cancel";
    button.addEventListener("click", function () {
      button.disabled = true;
      cancel.disabled = true;
      confirm(button);
    });
    panel.body.appendChild(el("p", { text: what }));
    panel.body.appendChild(el("div", { class: "row confirm" }, [button, cancel]));
    button.focus();
    panel.row.scrollIntoView({ block: "nearest" });
  }

  function resetForm(name) {
    var panel = openPanel("accounts", name, "Reset @" + name + "?");
    confirmIn(
      panel,
      "accounts",
      name,
      ".reset",
      "This revokes the token at X (the bot stops working) and makes a new single-use link for the owner.",
      "Revoke and make a new link",
      "confirm-reset",
      function () {
        panel.say("Revoking @" + name + "'s token at X…", "info");
        api("POST", path(name) + "/reset").then(
          function (answer) {
            panel.body.textContent = "";
            panel.retitle("New link for @" + name);
            if (answer.x_detail) panel.body.appendChild(el("p", { class: "muted", text: answer.x_detail }));
            panel.body.appendChild(linkBlock(answer.invite));
            panel.body.appendChild(closeButton("accounts", name, ".reset"));
            loadAccounts().then(function () {
              panel.say("@" + name + " was reset. Send the owner the new link.", "ok");
              panel.body.querySelector(".copy").focus();
            });
          },
          function (error) {
            if (signedOutBy(error)) return;
            panel.body.textContent = "";
            panel.body.appendChild(closeButton("accounts", name, ".reset"));
            panel.say(error.message, "error");
            panel.body.querySelector(".close").focus();
          }
        );
      }
    );
  }

  function deleteForm(name) {
    var panel = openPanel("accounts", name, "Delete @" + name + "?");
    confirmIn(
      panel,
      "accounts",
      name,
      ".delete",
      "The token is revoked at X and the secret is scheduled for deletion. You can restore it from “Pending deletion” until then.",
      "Delete @" + name,
      "confirm-delete",
      function () {
        panel.say("Deleting @" + name + "…", "info");
        api("DELETE", path(name)).then(
          function (removal) {
            panel.body.textContent = "";
            panel.retitle("@" + name + " deleted");
            var words = "@" + name + " is scheduled for deletion on " + when(removal.deletion_date) + ".";
            if (!removal.revoked_at_x) words += " " + (removal.x_detail || "X could not revoke the token.");
            loadAccounts().then(function () {
              // The row has left the list: the answer stays where it was, and takes the focus.
              panel.say(words, removal.revoked_at_x ? "ok" : "warn");
              panel.status.focus();
            });
          },
          function (error) {
            if (signedOutBy(error)) return;
            panel.body.textContent = "";
            panel.say(error.message, "error");
            refocus("accounts", name, ".delete", panel.status);
          }
        );
      }
    );
  }

  function snippet(name) {
    var panel = openPanel("accounts", name, "Bot job snippet for @" + name);
    var code =
      'pip install "./client"   # optional: the typed loaders\n\n' +
      "import json, boto3\n" +
      'creds = json.loads(boto3.client("secretsmanager").get_secret_value(\n' +
      '    SecretId="' + accountsPrefix + name.toLowerCase() + '")["SecretString"])\n';
    panel.body.appendChild(el("p", { class: "muted", text: "No secret in it: the job reads the token with its own AWS role." }));
    panel.body.appendChild(el("pre", { id: "snippet-code", text: code }));
    var copy = copyButton(function () { return code; }, panel);
    panel.body.appendChild(el("div", { class: "row" }, [copy, closeButton("accounts", name, ".snippet")]));
    copy.focus();
    panel.row.scrollIntoView({ block: "nearest" });
  }

  // A copy button that says how it went, in the panel it sits in.
  function copyButton(read, panel) {
    var button = el("button", { type: "button", class: "copy", text: "Copy" });
    button.addEventListener("click", function () {
      var say = function (text, kind) {
        if (panel) panel.say(text, kind);
        else button.textContent = text;
      };
      if (!navigator.clipboard) {
        say("Copying needs a secure page: select the text and copy it by hand.", "warn");
        return;
      }
      navigator.clipboard.writeText(read()).then(
        function () {
          button.textContent = "Copied";
          if (panel) panel.say("Copied to the clipboard.", "ok");
        },
        function () {
          say("Copy failed: select the text and copy it by hand.", "warn");
        }
      );
    });
    return button;
  }

  // The link as text, a copy button and a QR code drawn here: no network call.
  function linkBlock(invite) {
    var link = el("input", { class: "link", readonly: "", value: invite.url, "aria-label": "Invite link" });
    var qr = qrcode(0, "M");
    qr.addData(invite.url);
    qr.make();
    var image = el("img", { class: "qr", alt: "QR code of the invite link", src: qr.createDataURL(4, 4) });
    var forWhom = invite.screen_name ? "@" + invite.screen_name : "any account";
    return el("div", { class: "link-block", "data-invite-id": invite.id || "" }, [
      el("p", { text: "Single-use link for " + forWhom + ", works until " + when(invite.expires_at) + ". Send it to the owner; it is shown only now." }),
      el("div", { class: "row" }, [link, copyButton(function () { return invite.url; })]),
      image,
    ]);
  }

  $("status-filter").addEventListener("change", function () {
    clearStale();
    loadAccounts();
  });
  $("search").addEventListener("input", renderAccounts);
  $("refresh-accounts").addEventListener("click", function () {
    clearStale();
    loadAccounts().then(function () {
      $("refresh-accounts").focus();
    });
  });

  // Pending deletion -------------------------------------------------------

  function loadDeleted() {
    return api("GET", "accounts?deleted=true").then(function (data) {
      var body = $("deleted").querySelector("tbody");
      body.textContent = "";
      data.accounts.forEach(function (account) {
        var name = account.screen_name;
        body.appendChild(
          el("tr", { "data-screen-name": name }, [
            el("td", { "data-label": "Screen name", class: "name", text: "@" + name }),
            el("td", { "data-label": "User id", text: account.user_id }),
            el("td", { "data-label": "Deleted for good on", text: when(account.deletion_date) }),
            el("td", { "data-label": "Actions", class: "actions" }, [
              el("button", { type: "button", class: "restore", text: "Restore", onclick: function () { restore(name); } }),
            ]),
          ])
        );
      });
      $("deleted-empty").hidden = data.accounts.length !== 0;
      placePanel("deleted");
    }, function (error) {
      if (!signedOutBy(error)) notify("Could not list the deleted accounts: " + error.message, "error");
    });
  }

  function restore(name) {
    var panel = openPanel("deleted", name, "Restore @" + name);
    panel.say("Restoring @" + name + "…", "info");
    api("POST", path(name) + "/restore").then(
      function (restored) {
        loadDeleted().then(function () {
          var kind = restored.token_works === false ? "warn" : "ok";
          panel.say("@" + name + " is restored. " + (restored.detail || ""), kind);
          panel.status.focus();
        });
      },
      function (error) {
        if (signedOutBy(error)) return;
        panel.say(error.message, "error");
        refocus("deleted", name, ".restore", panel.status);
      }
    );
  }

  // Invites ----------------------------------------------------------------

  var INVITE_FIELDS = { screen_name: "invite-screen-name", expires_in: "invite-lifetime", note: "invite-note" };

  function clearInviteResult() {
    var box = $("invite-result");
    box.textContent = "";
    box.hidden = true;
  }

  function clearFormErrors() {
    var error = $("invite-error");
    error.textContent = "";
    error.hidden = true;
    Object.keys(INVITE_FIELDS).forEach(function (field) {
      var input = $(INVITE_FIELDS[field]);
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
  }

  // The refusal under the form, in its words; the first field it names takes the focus.
  function showFormError(error) {
    var box = $("invite-error");
    box.textContent = error.message;
    box.hidden = false;
    var first = null;
    error.fields.forEach(function (item) {
      var loc = item.loc || [];
      var input = $(INVITE_FIELDS[loc[loc.length - 1]]);
      if (!input) return;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "invite-error");
      first = first || input;
    });
    (first || $("create-invite")).focus();
    box.scrollIntoView({ block: "nearest" });
  }

  $("invite-form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearStale();
    clearInviteResult(); // a failed create must not leave the previous link showing
    var request = {
      expires_in: Number($("invite-lifetime").value),
      auth: $("invite-auth").value
    };
    var screenName = $("invite-screen-name").value.trim();
    var note = $("invite-note").value.trim();
    if (screenName) request.screen_name = screenName;
    if (note) request.note = note;
    var submit = $("create-invite");
    submit.disabled = true;
    api("POST", "invites", request).then(
      function (invite) {
        submit.disabled = false;
        var box = $("invite-result");
        box.setAttribute("data-invite-id", invite.id);
        box.appendChild(el("h2", { text: "Invite created" }));
        box.appendChild(linkBlock(invite));
        box.hidden = false;
        $("invite-form").reset();
        box.querySelector(".copy").focus();
        box.scrollIntoView({ block: "nearest" });
        loadInvites();
      },
      function (error) {
        submit.disabled = false;
        if (!signedOutBy(error)) showFormError(error);
      }
    );
  });
  $("refresh-invites").addEventListener("click", function () {
    clearStale();
    loadInvites().then(function () {
      $("refresh-invites").focus();
    });
  });

  function withdraw(invite) {
    var forWhom = invite.screen_name ? "@" + invite.screen_name : "any account";
    var panel = openPanel("invites", invite.id, "Withdraw the invite for " + forWhom + "?");
    confirmIn(
      panel,
      "invites",
      invite.id,
      ".withdraw",
      "Its link stops working at once and says it was withdrawn.",
      "Withdraw it",
      "confirm-withdraw",
      function () {
        panel.say("Withdrawing…", "info");
        api("DELETE", "invites/" + encodeURIComponent(invite.id)).then(
          function () {
            // Its link, copy button and QR code go too, wherever they were showing.
            if ($("invite-result").getAttribute("data-invite-id") === invite.id) clearInviteResult();
            panel.body.textContent = "";
            panel.retitle("Invite for " + forWhom + " withdrawn");
            loadInvites().then(function () {
              panel.say("Invite withdrawn: its link now says so.", "ok");
              panel.status.focus();
            });
          },
          function (error) {
            if (signedOutBy(error)) return;
            panel.body.textContent = "";
            panel.say(error.message, "error");
            refocus("invites", invite.id, ".withdraw", panel.status);
          }
        );
      }
    );
  }

  function loadInvites() {
    return api("GET", "invites").then(function (data) {
      var body = $("invites").querySelector("tbody");
      body.textContent = "";
      data.invites.forEach(function (invite) {
        var actions = el("td", { "data-label": "Actions", class: "actions" });
        if (invite.status === "pending") {
          actions.appendChild(
            el("button", { type: "button", class: "withdraw danger", text: "Withdraw", onclick: function () { withdraw(invite); } })
          );
        }
        body.appendChild(
          el("tr", { "data-invite-id": invite.id }, [
            el("td", { "data-label": "For", class: "name", text: invite.screen_name ? "@" + invite.screen_name : "any account" }),
            el("td", { "data-label": "Status", class: "status-cell" }, [
              el("span", { class: "status invite-" + invite.status, text: INVITE_WORDS[invite.status] || invite.status }),
            ]),
            el("td", { "data-label": "Created", text: when(invite.created_at) }),
            el("td", { "data-label": "Expires", text: when(invite.expires_at) }),
            el("td", { "data-label": "Note", text: invite.note || "—" }),
            el("td", { "data-label": "Connected", text: invite.connected_screen_name ? "@" + invite.connected_screen_name : "—" }),
            actions,
          ])
        );
      });
      $("invites-empty").hidden = data.invites.length !== 0;
      placePanel("invites");
    }, function (error) {
      if (!signedOutBy(error)) notify("Could not list the invites: " + error.message, "error");
    });
  }

  if (sessionStorage.getItem(TOKEN_KEY)) signedIn();
  else $("token").focus();
})();
