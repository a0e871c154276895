// The password-reset page: ask for the e-mail link, or (from that link) choose a new password.
// Every message shown comes from the API envelope, or from the page's own strings.
import { createApi } from "./api.js";
import { $, readJson } from "./dom.js";

const T = readJson("strings");
const { rawApi } = createApi({ networkError: T.network_error });
const params = new URLSearchParams(location.search);

function show(error, ok = "") {
  $("reset-error").textContent = error;
  $("reset-ok").textContent = ok;
  if (ok) $("reset-ok").focus();
}

async function requestLink(event) {
  event.preventDefault();
  const email = $("reset-email").value.trim();
  if (!email) {
    show(T.email_needed);
    $("reset-email").focus();
    return;
  }
  const button = event.submitter || $("request-form").querySelector("button");
  button.disabled = true;
  show("");
  try {
    const envelope = await rawApi("POST", "auth/password-reset/", { email });
    show("", T.link_sent || envelope.message);
  } catch (err) {
    show(err.message);
  } finally {
    button.disabled = false;
  }
}

async function confirmPassword(event) {
  event.preventDefault();
  const password = $("new-password").value;
  if (password !== $("repeat-password").value) {
    show(T.mismatch);
    $("repeat-password").focus();
    return;
  }
  const button = $("confirm-form").querySelector("button");
  button.disabled = true;
  show(""); // a fresh answer, not the last one
  try {
    await rawApi("POST", "auth/password-reset/confirm/", {
      uid: params.get("uid") || "", token: params.get("token") || "", new_password: password,
    });
    $("confirm-form").hidden = true;
    show("", T.changed);
  } catch (err) {
    show(err.message); // e.g. the link was used already or expired, or the password is too weak
    $("new-password").focus();
  } finally {
    button.disabled = false;
  }
}

if ($("request-form")) $("request-form").addEventListener("submit", requestLink);
if ($("confirm-form")) $("confirm-form").addEventListener("submit", confirmPassword);
