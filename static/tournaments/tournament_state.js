// Tournament stream state on the client: the same rule as apps.tournaments.selectors.apply_event
// (every key an event carries replaces its part; matches are replaced by id, kept in play order),
// plus the small formatting helpers the scoreboard and the scorer page share.
import { fmt } from "../js/format.js";

export function applyTournamentEvent(state, msg) {
  const data = (msg && msg.data) || {};
  const next = { ...state };
  for (const key of ["tournament", "entries", "standings"]) {
    if (key in data) next[key] = data[key];
  }
  const changed = [...(data.matches || [])];
  if (data.match) changed.push(data.match);
  if (changed.length) {
    const byId = new Map((next.matches || []).map((m) => [m.id, m]));
    for (const m of changed) byId.set(m.id, m);
    next.matches = [...byId.values()].sort((a, b) => a.sequence - b.sequence);
  }
  return next;
}

/** The third-place match (apps.tournaments.formats.THIRD_PLACE_KEY): the final's round, not its bracket. */
export const THIRD_PLACE_KEY = "3P";
export const isThirdPlace = (match) => match.key === THIRD_PLACE_KEY;

/** A side's label: its name, or where it will come from while unknown. */
export function teamLabel(team, source, T) {
  if (team) return team.name;
  if (source && source.kind === "winner") return fmt(T.winner_of, { match: source.match });
  if (source && source.kind === "loser") return fmt(T.loser_of, { match: source.match });
  if (source && source.kind === "group") return fmt(T.group_place, { group: source.group, place: source.place });
  return T.tbd;
}

/** Per side i (0/1): finished sets, games of the set in play, points of the game in play. */
export function sideScore(score, i) {
  const s = score || {};
  return {
    sets: (s.sets || []).map((set) => set[i]),
    games: (s.games || [0, 0])[i],
    points: (s.points || ["0", "0"])[i],
  };
}

export function isRace(score) {
  return score && typeof score.target === "number";
}
