// What the staff dashboard and the tournament desk both do to a tournament match: call its
// players to court, and move it to another court or time (the API refuses what may not move).
import { zonedInstant } from "./club_state.js";
import { fmt } from "./format.js";

/** On a court and not started: staff may move it. */
export const movable = (m) => Boolean(m.court) && (m.status === "scheduled" || m.status === "pending");

/** Calls the match's players to its court; answers the message saying how many were told. */
export async function callPlayers(api, T, match) {
  const answer = (await api("POST", `tournaments/matches/${match.id}/call/`)).data;
  return fmt(T.called, { n: answer.notified, court: match.court ? match.court.name : "" });
}

/** Moves a match to `court` at the club's wall time `time` on `day`; answers the moved match. */
export async function moveMatch(api, matchId, { court, day, time, timezone }) {
  const start = zonedInstant(day, time, timezone).toISOString();
  return (await api("POST", `tournaments/matches/${matchId}/reschedule/`, { court, start })).data;
}
