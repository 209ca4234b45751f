// The operator console. A file of its own: the page's CSP allows no inline script.
// Every value from the API goes into the page as text (textContent), never as HTML.
//
// Where answers appear: an action's result shows where the operator acted, in a panel right
// under the row (or under the form), announced to screen readers (aria-live), scrolled into
// view, and focus goes back to the control that was used. Starting an action clears what the
// last one left (its panel, its errors). Lists are drawn again after each change; the open
// panel is carried over to the row's new place, or to where the row was if it left the list.
//
// Roles: after sign-in GET /operators/me says who this is and with which role; the page shows
// only what that role may do (elements marked data-needs="inviter" or "admin", and row
// buttons drawn only for the roles that can use them). The API still decides: a refused call
// (403 role_required) answers in the panel like any other error.
"use strict";

(function () {
  var TOKEN_KEY = "birdhouse-admin-token";
  // Each role can do everything the one before it can (app/core/operators.py's Role).
  var ROLES = ["viewer", "inviter", "admin"];
  var AUDIT_PAGE_SIZE = 20;
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
    name: {
      label: "Name",
      rule: "1 to 32 lower-case letters, digits, '.' or '-', starting with a letter or digit",
    },
    role: { label: "Role", rule: "viewer, inviter or admin" },
    account: { label: "Account", rule: "a screen name, 1 to 15 letters, digits or underscores" },
    operator: { label: "Operator", rule: "at most 256 characters" },
  };
  var accountsPrefix = document.body.getAttribute("data-accounts-prefix") || "";
  var accounts = [];
  // Who is signed in: {name, role, can} from GET /operators/me.
  var me = null;

  function may(role) {
    return me !== null && ROLES.indexOf(me.role) >= ROLES.indexOf(role);
  }

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
    var headers = {
      Authorization: "Bearer " + (token || sessionStorage.getItem(TOKEN_KEY)),
      // The audit trail records these calls as made through the console.
      "X-Birdhouse-Client": "console",
    };
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
  var KEY_ATTRIBUTE = {
    accounts: "data-screen-name",
    deleted: "data-screen-name",
    invites: "data-invite-id",
    operators: "data-operator",
  };
  var COLUMNS = { accounts: 7, deleted: 4, invites: 7, operators: 5 };

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
    clearOperatorKey(); // a new key is shown until the next action starts, never again
    hideError("operator-error");
    hideError("audit-error");
  }

  function hideError(id) {
    var box = $(id);
    box.textContent = "";
    box.hidden = true;
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

  var VIEWS = ["accounts", "deleted", "invites", "operators", "audit"];

  function show(view) {
    clearStale();
    var tab = document.querySelector('#nav .tab[data-view="' + view + '"]');
    if (!tab || tab.hidden) view = "accounts"; // not for this role
    VIEWS.forEach(function (name) {
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
    if (view === "operators") loadOperators();
    if (view === "audit") loadAudit(false);
  }

  // What the role may not do leaves the page (the rows draw their buttons by role too).
  function applyRole() {
    document.querySelectorAll("[data-needs]").forEach(function (node) {
      node.hidden = !may(node.getAttribute("data-needs"));
    });
    var who = $("whoami");
    who.textContent = "";
    if (!me) return;
    who.appendChild(document.createTextNode("Signed in as "));
    who.appendChild(el("b", { class: "who-name", text: me.name }));
    who.appendChild(document.createTextNode(" · "));
    who.appendChild(el("b", { class: "who-role", text: me.role }));
    who.setAttribute("title", me.role + ": " + me.can);
  }

  function signedIn(identity) {
    me = identity;
    applyRole();
    $("signin").hidden = true;
    $("nav").hidden = false;
    show("accounts");
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    clearStale();
    clearInviteResult();
    me = null;
    applyRole();
    $("nav").hidden = true;
    VIEWS.forEach(function (name) {
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
    api("GET", "operators/me", undefined, token).then(
      function (identity) {
        sessionStorage.setItem(TOKEN_KEY, token);
        $("token").value = "";
        signedIn(identity);
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

  // One page (100) at a time, filtered by the API at AWS: the status, and the search as a
  // screen-name prefix. "More accounts" fetches the next page with the same filters.
  var nextAccounts = null;

  function accountsQuery(cursor) {
    var params = ["limit=100"];
    var status = $("status-filter").value;
    var prefix = $("search").value.trim().replace(/^@/, "");
    if (status) params.push("status=" + encodeURIComponent(status));
    if (/^[A-Za-z0-9_]{1,15}$/.test(prefix)) params.push("prefix=" + encodeURIComponent(prefix));
    if (cursor) params.push("next=" + encodeURIComponent(cursor));
    return "accounts?" + params.join("&");
  }

  function loadAccounts(more) {
    return api("GET", accountsQuery(more ? nextAccounts : null)).then(
      function (data) {
        accounts = more ? accounts.concat(data.accounts) : data.accounts;
        nextAccounts = data.next || null;
        $("more-accounts").hidden = !nextAccounts;
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
    var body = $("accounts").querySelector("tbody");
    body.textContent = "";
    var shown = accounts;
    shown.forEach(function (account) {
      var name = account.screen_name;
      // Verify, test tweet, reset and delete are the admin's; anyone may read the snippet.
      var buttons = may("admin")
        ? [
            el("button", { type: "button", class: "verify", text: "Verify", onclick: function () { verify(name); } }),
            el("button", { type: "button", class: "tweet", text: "Test tweet", onclick: function () { tweetForm(name); } }),
            el("button", { type: "button", class: "reset", text: "Reset", onclick: function () { resetForm(name); } }),
            el("button", { type: "button", class: "delete danger", text: "Delete", onclick: function () { deleteForm(name); } }),
          ]
        : [];
      buttons.push(
        el("button", { type: "button", class: "snippet quiet", text: "Bot snippet", onclick: function () { snippet(name); } })
      );
      var actions = el("td", { "data-label": "Actions", class: "actions" }, buttons);
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
  var searchTimer = null;
  $("search").addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      loadAccounts();
    }, 300);
  });
  $("more-accounts").addEventListener("click", function () {
    loadAccounts(true);
  });
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
            el(
              "td",
              { "data-label": "Actions", class: "actions" },
              may("admin")
                ? [el("button", { type: "button", class: "restore", text: "Restore", onclick: function () { restore(name); } })]
                : []
            ),
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
    clearFieldErrors("invite-error", INVITE_FIELDS);
    clearFieldErrors("operator-error", OPERATOR_FIELDS);
  }

  // `fields`: each field the API may name, to the id of its input.
  function clearFieldErrors(boxId, fields) {
    hideError(boxId);
    Object.keys(fields).forEach(function (field) {
      var input = $(fields[field]);
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
  }

  function showFormError(error) {
    showFieldErrors("invite-error", INVITE_FIELDS, "create-invite", error);
  }

  // The refusal under the form, in its words; the first field it names takes the focus.
  function showFieldErrors(boxId, fields, fallbackId, error) {
    var box = $(boxId);
    box.textContent = error.message;
    box.hidden = false;
    var first = null;
    error.fields.forEach(function (item) {
      var loc = item.loc || [];
      var input = $(fields[loc[loc.length - 1]]);
      if (!input) return;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", boxId);
      first = first || input;
    });
    (first || $(fallbackId)).focus();
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
        if (invite.status === "pending" && may("inviter")) {
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

  // Operators (admin) ------------------------------------------------------

  var OPERATOR_FIELDS = { name: "operator-name", role: "operator-role" };

  function clearOperatorKey() {
    var box = $("operator-result");
    box.textContent = "";
    box.hidden = true;
  }

  function loadOperators() {
    return api("GET", "operators").then(function (data) {
      var body = $("operators").querySelector("tbody");
      body.textContent = "";
      data.operators.forEach(function (operator) {
        var name = operator.name;
        var you = me && me.name === name ? [el("span", { class: "muted small", text: " (you)" })] : [];
        body.appendChild(
          el("tr", { "data-operator": name }, [
            el("td", { "data-label": "Name", class: "name" }, [name].concat(you)),
            el("td", { "data-label": "Role", text: operator.role }),
            el("td", { "data-label": "Created", text: when(operator.created_at) }),
            el("td", { "data-label": "Last used", text: when(operator.last_used_at) }),
            el("td", { "data-label": "Actions", class: "actions" }, [
              el("button", { type: "button", class: "revoke danger", text: "Revoke", onclick: function () { revokeForm(name); } }),
            ]),
          ])
        );
      });
      $("operators-empty").hidden = data.operators.length !== 0;
      placePanel("operators");
    }, function (error) {
      if (!signedOutBy(error)) notify("Could not list the operators: " + error.message, "error");
    });
  }

  $("operator-form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearStale();
    var request = { name: $("operator-name").value.trim().toLowerCase(), role: $("operator-role").value };
    var submit = $("add-operator");
    submit.disabled = true;
    api("POST", "operators", request).then(
      function (added) {
        submit.disabled = false;
        var box = $("operator-result");
        var key = el("input", { class: "link key", id: "operator-key", readonly: "", value: added.key, "aria-label": "Operator key" });
        box.appendChild(el("h2", { text: "Operator " + added.name + " added (" + added.role + ")" }));
        box.appendChild(
          el("p", { text: "Their key, shown only now: Birdhouse keeps only its hash. Send it to " + added.name + " by a private channel; they paste it into the console's sign-in or send it as Authorization: Bearer." })
        );
        box.appendChild(el("div", { class: "row" }, [key, copyButton(function () { return added.key; })]));
        box.hidden = false;
        $("operator-form").reset();
        box.querySelector(".copy").focus();
        box.scrollIntoView({ block: "nearest" });
        loadOperators();
      },
      function (error) {
        submit.disabled = false;
        if (!signedOutBy(error)) showFieldErrors("operator-error", OPERATOR_FIELDS, "add-operator", error);
      }
    );
  });
  $("refresh-operators").addEventListener("click", function () {
    clearStale();
    loadOperators().then(function () {
      $("refresh-operators").focus();
    });
  });

  function revokeForm(name) {
    var panel = openPanel("operators", name, "Revoke " + name + "'s key?");
    var yourself = me && me.name === name ? " It is the key you are signed in with: the console signs you out." : "";
    confirmIn(
      panel,
      "operators",
      name,
      ".revoke",
      "The key stops working at once, everywhere. To give " + name + " access again, add them anew (a new key)." + yourself,
      "Revoke " + name,
      "confirm-revoke",
      function () {
        panel.say("Revoking " + name + "'s key…", "info");
        api("DELETE", "operators/" + encodeURIComponent(name)).then(
          function () {
            panel.body.textContent = "";
            panel.retitle(name + " revoked");
            loadOperators().then(function () {
              panel.say(name + "'s key is revoked: it signs in nowhere now.", "ok");
              panel.status.focus();
            });
          },
          function (error) {
            if (signedOutBy(error)) return;
            panel.body.textContent = "";
            panel.say(error.message, "error");
            refocus("operators", name, ".revoke", panel.status);
          }
        );
      }
    );
  }

  // Audit ------------------------------------------------------------------

  // The filters of the listing shown, and its `next` cursor (null at the end).
  var auditQuery = null;
  var auditNext = null;

  var OUTCOME_CLASS = { ok: "status-ok", refused: "status-forbidden", failed: "status-revoked", attention: "status-read_only" };

  function auditTarget(record) {
    if (record.account) return "@" + record.account;
    if (record.target_operator) return "operator " + record.target_operator;
    if (record.invite) return "invite " + record.invite;
    return "—";
  }

  // `more`: the next page under the ones shown; otherwise the first page of the filters.
  function loadAudit(more) {
    if (!more) {
      var query = "limit=" + AUDIT_PAGE_SIZE;
      var operator = $("audit-operator").value.trim();
      var account = $("audit-account").value.trim().replace(/^@/, "");
      if (operator) query += "&operator=" + encodeURIComponent(operator);
      if (account) query += "&account=" + encodeURIComponent(account);
      auditQuery = query;
      auditNext = null;
    }
    var url = "audit?" + auditQuery + (more && auditNext ? "&next=" + encodeURIComponent(auditNext) : "");
    return api("GET", url).then(function (data) {
      var body = $("audit").querySelector("tbody");
      if (!more) body.textContent = "";
      data.records.forEach(function (record) {
        var outcome = [el("span", { class: "status " + (OUTCOME_CLASS[record.outcome] || ""), text: record.outcome })];
        if (record.error_code) outcome.push(el("div", { class: "muted small", text: record.error_code }));
        body.appendChild(
          el("tr", { "data-record-id": record.id }, [
            el("td", { "data-label": "When", text: when(record.at) }),
            el("td", { "data-label": "Operator", class: "name", text: record.operator }),
            el("td", { "data-label": "Via", text: record.via }),
            el("td", { "data-label": "Action", class: "action", text: record.action }),
            el("td", { "data-label": "On", text: auditTarget(record) }),
            el("td", { "data-label": "Outcome", class: "status-cell" }, outcome),
            el("td", { "data-label": "Request id", class: "muted small", text: record.request_id }),
          ])
        );
      });
      auditNext = data.next;
      $("audit-more").hidden = !auditNext;
      $("audit-empty").hidden = body.children.length !== 0;
    }, function (error) {
      if (signedOutBy(error)) return;
      var box = $("audit-error");
      box.textContent = error.message;
      box.hidden = false;
    });
  }

  $("audit-filters").addEventListener("submit", function (event) {
    event.preventDefault();
    clearStale();
    loadAudit(false).then(function () {
      $("apply-audit").focus();
    });
  });
  $("audit-more").addEventListener("click", function () {
    clearStale();
    var shown = $("audit").querySelectorAll("tbody > tr").length;
    loadAudit(true).then(function () {
      // The first new record takes the focus, so the keyboard reads on from there.
      var first = $("audit").querySelectorAll("tbody > tr")[shown];
      if (first) {
        first.setAttribute("tabindex", "-1");
        first.focus();
      } else $("audit-more").focus();
    });
  });

  // A reload keeps the tab's key: ask again who it is (its role may have been revoked since).
  if (sessionStorage.getItem(TOKEN_KEY)) {
    api("GET", "operators/me").then(signedIn, function (error) {
      if (!signedOutBy(error)) notify("Could not sign in again: " + error.message, "error");
    });
  } else $("token").focus();
})();
