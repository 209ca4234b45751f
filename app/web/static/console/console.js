// The operator console. A file of its own: the page's CSP allows no inline script.
// Every value from the API goes into the page as text (textContent), never as HTML.
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

  function notify(text, kind) {
    var notice = $("notice");
    notice.textContent = text;
    notice.className = kind || "info";
    notice.hidden = false;
  }

  // The API's own words: {"detail": "..."} or FastAPI's list of invalid fields.
  function describeError(status, body) {
    if (body && typeof body.detail === "string") return body.detail;
    if (body && Array.isArray(body.detail)) {
      return body.detail
        .map(function (item) {
          var field = (item.loc || []).slice(1).join(".");
          return (field ? field + ": " : "") + item.msg;
        })
        .join("; ");
    }
    return "The server answered with HTTP status " + status + ".";
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
            throw error;
          });
      },
      function () {
        throw new Error("Could not reach Birdhouse. Check the connection and try again.");
      }
    );
  }

  // A 401 after sign-in: the token changed or was rotated; ask for it again.
  function failed(error) {
    if (error.status === 401) {
      signOut();
      showSigninError(error.message);
    } else {
      notify(error.message, "error");
    }
  }

  function showSigninError(text) {
    var box = $("signin-error");
    box.textContent = "Sign-in failed: " + text;
    box.hidden = false;
  }

  function show(view) {
    ["accounts", "deleted", "invites"].forEach(function (name) {
      $("view-" + name).hidden = name !== view;
    });
    document.querySelectorAll("#nav .tab").forEach(function (tab) {
      if (tab.getAttribute("data-view") === view) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    });
    if (view === "accounts") loadAccounts();
    if (view === "deleted") loadDeleted();
    if (view === "invites") loadInvites();
  }

  function signedIn() {
    $("signin").hidden = true;
    $("nav").hidden = false;
    show("accounts");
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    $("nav").hidden = true;
    $("notice").hidden = true;
    ["accounts", "deleted", "invites"].forEach(function (name) {
      $("view-" + name).hidden = true;
    });
    $("account-panel").hidden = true;
    $("invite-result").hidden = true;
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
      $("notice").hidden = true;
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
      failed
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
  }

  function panel(title, children) {
    var box = $("account-panel");
    box.textContent = "";
    box.appendChild(el("h2", { text: title }));
    children.forEach(function (child) {
      box.appendChild(child);
    });
    box.hidden = false;
    var first = box.querySelector("textarea, input, button");
    if (first) first.focus();
    return box;
  }

  function closeButton() {
    return el("button", {
      type: "button",
      class: "quiet",
      text: "Close",
      onclick: function () {
        $("account-panel").hidden = true;
      },
    });
  }

  function verify(name) {
    notify("Checking @" + name + " at X…", "info");
    api("POST", "accounts/" + encodeURIComponent(name) + "/verify").then(function (result) {
      notify("@" + name + ": " + result.detail, result.ok ? "ok" : "warn");
      loadAccounts();
    }, function (error) {
      failed(error);
      loadAccounts(); // the refusal was recorded as the account's status
    });
  }

  function tweetForm(name) {
    var text = el("textarea", { id: "tweet-text", rows: "3", maxlength: "280", "aria-label": "Tweet text" });
    text.value = "Test post from Birdhouse";
    panel("Test tweet from @" + name, [
      text,
      el("div", { class: "row" }, [
        el("button", {
          type: "button",
          id: "send-tweet",
          text: "Post it",
          onclick: function () {
            api("POST", "accounts/" + encodeURIComponent(name) + "/test-tweet", { text: text.value }).then(
              function (posted) {
                $("account-panel").hidden = true;
                notify("Posted as @" + name + " (tweet " + posted.id + ").", "ok");
              },
              failed
            );
          },
        }),
        closeButton(),
      ]),
    ]);
  }

  function resetForm(name) {
    panel("Reset @" + name + "?", [
      el("p", { text: "This revokes the token at X (the bot stops working) and makes a new single-use link for the owner." }),
      el("div", { class: "row" }, [
        el("button", {
          type: "button",
          id: "confirm-reset",
          class: "danger",
          text: "Revoke and make a new link",
          onclick: function () {
            api("POST", "accounts/" + encodeURIComponent(name) + "/reset").then(function (answer) {
              var box = panel("New link for @" + name, []);
              if (answer.x_detail) box.appendChild(el("p", { class: "muted", text: answer.x_detail }));
              box.appendChild(linkBlock(answer.invite));
              box.appendChild(closeButton());
              notify("@" + name + " was reset. Send the owner the new link.", "ok");
              loadAccounts();
            }, failed);
          },
        }),
        closeButton(),
      ]),
    ]);
  }

  function deleteForm(name) {
    panel("Delete @" + name + "?", [
      el("p", { text: "The token is revoked at X and the secret is scheduled for deletion. You can restore it from “Pending deletion” until then." }),
      el("div", { class: "row" }, [
        el("button", {
          type: "button",
          id: "confirm-delete",
          class: "danger",
          text: "Delete @" + name,
          onclick: function () {
            api("DELETE", "accounts/" + encodeURIComponent(name)).then(function () {
              $("account-panel").hidden = true;
              notify("@" + name + " is scheduled for deletion.", "ok");
              loadAccounts();
            }, failed);
          },
        }),
        closeButton(),
      ]),
    ]);
  }

  function snippet(name) {
    var code =
      'pip install "./client"   # optional: the typed loaders\n\n' +
      "import json, boto3\n" +
      'creds = json.loads(boto3.client("secretsmanager").get_secret_value(\n' +
      '    SecretId="' + accountsPrefix + name.toLowerCase() + '")["SecretString"])\n';
    var pre = el("pre", { id: "snippet-code", text: code });
    panel("Bot job snippet for @" + name, [
      el("p", { class: "muted", text: "No secret in it: the job reads the token with its own AWS role." }),
      pre,
      el("div", { class: "row" }, [copyButton(function () { return code; }), closeButton()]),
    ]);
  }

  function copyButton(read) {
    var button = el("button", { type: "button", class: "copy", text: "Copy" });
    button.addEventListener("click", function () {
      var done = function () {
        button.textContent = "Copied";
      };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(read()).then(done, function () {
          button.textContent = "Copy failed: select and copy by hand";
        });
      }
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
    return el("div", { class: "link-block" }, [
      el("p", { text: "Single-use link for " + forWhom + ", works until " + when(invite.expires_at) + ". Send it to the owner; it is shown only now." }),
      el("div", { class: "row" }, [link, copyButton(function () { return invite.url; })]),
      image,
    ]);
  }

  $("status-filter").addEventListener("change", loadAccounts);
  $("search").addEventListener("input", renderAccounts);
  $("refresh-accounts").addEventListener("click", loadAccounts);

  // Pending deletion -------------------------------------------------------

  function loadDeleted() {
    api("GET", "accounts?deleted=true").then(function (data) {
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
              el("button", {
                type: "button",
                class: "restore",
                text: "Restore",
                onclick: function () {
                  api("POST", "accounts/" + encodeURIComponent(name) + "/restore").then(function (restored) {
                    notify("@" + name + " is restored. " + (restored.detail || ""), "ok");
                    loadDeleted();
                  }, failed);
                },
              }),
            ]),
          ])
        );
      });
      $("deleted-empty").hidden = data.accounts.length !== 0;
    }, failed);
  }

  // Invites ----------------------------------------------------------------

  $("invite-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var request = {
      expires_in: Number($("invite-lifetime").value),
      auth: $("invite-auth").value
    };
    var screenName = $("invite-screen-name").value.trim();
    var note = $("invite-note").value.trim();
    if (screenName) request.screen_name = screenName;
    if (note) request.note = note;
    api("POST", "invites", request).then(function (invite) {
      var box = $("invite-result");
      box.textContent = "";
      box.appendChild(el("h2", { text: "Invite created" }));
      box.appendChild(linkBlock(invite));
      box.hidden = false;
      box.querySelector(".copy").focus();
      $("invite-form").reset();
      loadInvites();
    }, failed);
  });
  $("refresh-invites").addEventListener("click", loadInvites);

  function loadInvites() {
    api("GET", "invites").then(function (data) {
      var body = $("invites").querySelector("tbody");
      body.textContent = "";
      data.invites.forEach(function (invite) {
        var actions = el("td", { "data-label": "Actions", class: "actions" });
        if (invite.status === "pending") {
          actions.appendChild(
            el("button", {
              type: "button",
              class: "withdraw danger",
              text: "Withdraw",
              onclick: function () {
                api("DELETE", "invites/" + encodeURIComponent(invite.id)).then(function () {
                  notify("Invite withdrawn: its link now says so.", "ok");
                  loadInvites();
                }, failed);
              },
            })
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
    }, failed);
  }

  if (sessionStorage.getItem(TOKEN_KEY)) signedIn();
  else $("token").focus();
})();
