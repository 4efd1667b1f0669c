// Lays out one page of the log (entries in store order, parents first) as a DAG: a lane per branch
// of an author. An entry continues the lane whose tip is its own parent by the same author; a second
// child of one parent (a fork: the same key used on two machines) opens a new lane; an entry with two
// or more parents by its author (a merge) closes the lanes it joins. Links to other authors' entries
// (causal links) are drawn as thin lines. Parents before the page are drawn as stubs.

export function layout(entries) {
  const row = new Map(entries.map((e, i) => [e.hash, i]));
  const lanes = []; // lane -> hash of its tip, or null when free
  const laneOf = new Map();
  const childrenBySameAuthor = new Map();
  const nodes = entries.map((e, i) => {
    const own = e.parents.filter(p => row.has(p) && entries[row.get(p)].author === e.author);
    for (const p of own) childrenBySameAuthor.set(p, (childrenBySameAuthor.get(p) || 0) + 1);
    let lane = -1;
    for (const p of own) {
      const l = laneOf.get(p);
      if (l !== undefined && lanes[l] === p) { lane = l; break; }
    }
    if (lane < 0) {
      lane = lanes.indexOf(null);
      if (lane < 0) { lane = lanes.length; lanes.push(null); }
    }
    // A merge ends the other lanes it joins.
    for (const p of own) {
      const l = laneOf.get(p);
      if (l !== undefined && l !== lane && lanes[l] === p) lanes[l] = null;
    }
    lanes[lane] = e.hash;
    laneOf.set(e.hash, lane);
    return { entry: e, row: i, lane, merge: e.parents.filter(p => sameAuthorParent(entries, row, p, e)).length >= 2 };
  });
  for (const n of nodes) n.fork = false;
  for (const n of nodes) {
    for (const p of n.entry.parents) {
      if (row.has(p) && (childrenBySameAuthor.get(p) || 0) > 1 && entries[row.get(p)].author === n.entry.author) n.fork = true;
    }
  }
  const edges = [];
  for (const n of nodes) {
    for (const p of n.entry.parents) {
      if (row.has(p)) {
        const parent = nodes[row.get(p)];
        edges.push({ from: parent, to: n, own: parent.entry.author === n.entry.author });
      } else {
        edges.push({ from: null, to: n, own: true });
      }
    }
  }
  return { nodes, edges, lanes: Math.max(1, lanes.length) };
}

function sameAuthorParent(entries, row, p, e) {
  return row.has(p) && entries[row.get(p)].author === e.author;
}
