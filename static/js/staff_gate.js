// The sign-in gate, the "not allowed" screen and the account corner shared by the staff pages
// (the dashboard and the tournament desk; template web/staff_base.html).
// Each page keeps its own content element (`contentId`) and decides who is allowed; this only
// switches what is shown.
import { auth } from "./api.js";
import { $ } from "./dom.js";
import { fmt } from "./format.js";

export function staffScreens({ contentId, T }) {
  const nameOf = (user) => (user ? user.first_name || user.email : "");

  function renderAccount() {
    const a = auth();
    $("who").hidden = !a;
    $("signout").hidden = !a;
    if (a && a.user) $("who").textContent = fmt(T.signed_in_as, { name: nameOf(a.user) });
  }

  function only(shown) {
    for (const id of ["gate", "denied", contentId]) $(id).hidden = id !== shown;
    $("live-badge").hidden = shown !== contentId;
  }

  return {
    renderAccount,
    showGate(message = "") {
      only("gate");
      $("gate-error").textContent = message;
      renderAccount();
      $("email").focus();
    },
    showContent() {
      only(contentId);
      renderAccount();
    },
    /**
     * Wires the sign-in form and both sign-out buttons. `login`/`logout` come from createApi;
     * `begin` runs after signing in; `signedOut` clears the page's state and shows the gate.
     */
    wire({ login, logout, begin, signedOut }) {
      $("signin").addEventListener("submit", async (event) => {
        event.preventDefault();
        $("gate-error").textContent = "";
        try {
          await login($("email").value.trim(), $("password").value);
          $("password").value = "";
          begin();
        } catch (err) {
          $("gate-error").textContent = err.message;
          $("password").focus();
        }
      });
      const signOut = async () => {
        await logout();
        signedOut();
        $("email").focus();
      };
      $("signout").addEventListener("click", signOut);
      $("denied-signout").addEventListener("click", signOut);
    },
    /** `user`: who is signed in (defaults to the stored sign-in's user). */
    showDenied(user = null) {
      only("denied");
      const a = auth();
      $("denied-text").textContent = fmt(T.denied, { name: nameOf(user || (a && a.user)) });
      $("denied").focus();
    },
  };
}
