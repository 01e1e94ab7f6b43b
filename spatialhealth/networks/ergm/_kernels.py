"""Compiled hot loops of the ERGM engine (the one numba module of this subpackage).

Network state (shared by every kernel)
--------------------------------------
``adj``     uint8 (n, n) adjacency; symmetric for undirected networks.
``adjT``    uint8 (n, n) transpose of ``adj`` (the same array for undirected ones),
            so in-neighbourhoods are read as contiguous rows.
``indeg``, ``outdeg``  int64 (n,) degrees (both hold the degree when undirected).
``tp``      int32 (n, n) two-path counts, maintained only when a term needs them:
            undirected ``tp[a, b]`` = common neighbours of a and b; directed
            ``tp[a, b]`` = number of k with a->k->b (outgoing two-paths, "OTP").
            When not maintained it is a (1, 1) dummy and counts come from row scans.
``outl``, ``inl``  int32 (n, n) neighbour lists: ``outl[i, :outdeg[i]]`` are the
            out-neighbours of i (all neighbours when undirected; ``inl`` is then ``outl``),
            with ``outpos[i, k]``/``inpos[i, k]`` the position of k in i's list.
``etail``, ``ehead``, ``epos``  edge list with O(1) insertion/removal:
            ``epos[i, j]`` is 1 + the position of edge (i, j) in the list, 0 if absent
            (undirected edges are stored with i < j).

Compact state (large sparse networks, see ``model.NetState``): ``adj``/``adjT`` are uint64
(n, ceil(n / 64)) bit rows (bit ``b & 63`` of word ``b >> 6`` of row a is the tie a->b), the
neighbour lists have a width below n (``outl.shape[1]``; the chains stop early when a degree
reaches it so that Python can widen them, see :func:`tnt_chain`), ``outpos``/``inpos`` are (1, 1)
dummies (a removal scans the short list) and shared partners are counted by popcount of two bit
rows when ``tp`` is not kept. Every kernel reads and writes ties through :func:`_a` /
:func:`_aset`, which numba compiles for either representation, and the lists are kept in the
same order in both, so a chain gives the same draws, bit for bit, in either.

Term pack (built by :mod:`.model`)
----------------------------------
``codes[t]`` term kind, ``offs[t]`` first statistic of term t, ``nst[t]`` its number of
statistics, ``ipar[t, :]`` integer arguments (covariate rows, k), ``fpar[t, :]`` float
arguments (decay r = 1 - exp(-alpha), exp(alpha), absdiff power), ``ncov`` float node
covariates (rows), ``ncat`` integer node categories (rows, -1 = not counted), ``ecov``
float edge covariates (matrices).

Every change statistic is the change caused by *adding* the tie (i, j) to the network
with (i, j) absent; the quantities are corrected for the tie's presence so the same
formula serves both directions of a toggle.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import intrinsic, overload

EDGES = 0
MUTUAL = 1
NODECOV = 2
NODEICOV = 3
NODEOCOV = 4
NODEFACTOR = 5
NODEIFACTOR = 6
NODEOFACTOR = 7
NODEMATCH = 8
NODEMATCH_DIFF = 9
ABSDIFF = 10
EDGECOV = 11
TRIANGLE = 12
TTRIPLE = 13
CTRIPLE = 14
TRANSITIVETIES = 15
ISTAR = 16
OSTAR = 17
KSTAR = 18
ISOLATES = 19
GWESP = 20
GWDSP = 21
GWIDEGREE = 22
GWODEGREE = 23
GWDEGREE = 24
DEGREE = 25          # degree/idegree/odegree (by=, homophily=) and gw*degree with attr=
GWNSP = 26           # gwnsp / nsp(d): dyadwise minus edgewise shared partners
CYCLICALTIES = 27
# statnet terms added for issue 13 (see _change_more)
ASYMMETRIC = 28      # ipar: (category row, mode 0 all / 1 same / 2 same level lv, lv)
SCALED_EDGES = 29    # density, meandeg: fpar[0] per tie
DIFF = 30            # ipar: (covariate row, 0 t-h / 1 h-t, sign action 0 id / 1 abs / 2 pos / 3 neg); fpar[2] pow
SMALLDIFF = 31       # |x_i - x_j| <= fpar[0]
ABSDIFFCAT = 32      # |x_i - x_j| == fpar[0]
NODEMIX = 33         # ecov[ipar[0]] holds the statistic index of every dyad (-1 = none)
DYADCOV = 34         # directed: mutual / tail>head / tail<head asymmetric sums of ecov[ipar[0]]; undirected: one
DEGRANGE = 35        # ipar: (category row, from, flags as DEGREE); fpar: (to, level, 0)
DEG15 = 36           # ipar[0]: 0 degree / 1 in-degree / 2 out-degree; sum of d^1.5
CONCURRENTTIES = 37  # ipar: (category row, level); sum of max(d - 1, 0)
TWOPATH = 38         # two-paths (m2star; kstar(2) when undirected)
ALTKSTAR = 39        # fpar[0] lambda
TRIADCLASS = 40      # ipar: (mask of triad types, 0 one sum / 1 one statistic per type in mask)
CYCLE = 41           # ipar: (k, semi)
THREETRAIL = 42      # ipar[0]: 0 RRR / 1 RRL / 2 LRR / 3 LRL, -1 undirected
GLOBALSTAT = 43      # ipar: (0 degcrossprod and degcor / 2 tripercent, category row); fpar[0] constant
SIMMELIANTIES = 44
OPENTRIAD = 45
INTRANSITIVE = 46
ISOLATEDEDGES = 47   # undirected ties whose two ends have no other tie
ESP_RTP = 48         # esp/gwesp/dsp/gwdsp/nsp/gwnsp with type="RTP": ipar/fpar as GWESP
DSP_RTP = 49
NSP_RTP = 50

# Holland-Leinhardt type (statnet's triadcensus order 003, 012, 102, 021D, 021U, 021C, 111D,
# 111U, 030T, 030C, 201, 120D, 120U, 120C, 210, 300) of the triad code
# [i->j] + 2[j->i] + 4[i->k] + 8[k->i] + 16[j->k] + 32[k->j]
TRIAD_TYPE = np.array([0, 1, 1, 2, 1, 3, 5, 7, 1, 5, 4, 6, 2, 7, 6, 10, 1, 5, 3, 7, 4, 8, 8, 12, 5, 9, 8, 13, 6, 13,
                       11, 14, 1, 4, 5, 6, 5, 8, 9, 13, 3, 8, 8, 11, 7, 12, 13, 14, 2, 6, 7, 10, 6, 11, 13, 14, 7,
                       13, 12, 14, 10, 14, 14, 15], dtype=np.int64)

# shared-partner types (directed): partner k of the ordered pair (a, b)
OTP = 0  # a->k->b
ITP = 1  # b->k->a
OSP = 2  # a->k, b->k
ISP = 3  # k->a, k->b
RTP = 4  # a<->k<->b (both ties mutual)
# shared-partner weights (fpar[t, 2])
SP_GW = 0      # exp(alpha) (1 - r^s)
SP_COUNT = 1   # [s == d]
SP_ANY = 2     # [s > 0]


# ---------------------------------------------------------------------------------------------
# tie access for either state representation (dense uint8 matrices or uint64 bit rows): numba
# compiles each for the array type it is given, so the dense kernels are what they were


def _a(adj, a, b):
    """Tie a->b of ``adj`` (uint8 0/1), dense or bit rows."""
    if adj.dtype == np.uint64:
        return np.uint8((int(adj[a, b >> 6]) >> (b & 63)) & 1)
    return adj[a, b]


def _aset(adj, a, b, v):
    """Set tie a->b of ``adj`` to ``v`` (0/1), dense or bit rows."""
    if adj.dtype == np.uint64:
        m = np.uint64(1) << np.uint64(b & 63)
        adj[a, b >> 6] = (adj[a, b >> 6] | m) if v else (adj[a, b >> 6] & ~m)
    else:
        adj[a, b] = v


def _bits(adj):
    """True for the compact (bit-row) representation."""
    return adj.dtype == np.uint64


def _pc_and(ra, rb):
    """Number of positions set in both rows ``ra`` and ``rb`` (dense uint8 or bit rows)."""
    if ra.dtype == np.uint64:
        return int(sum(bin(int(x) & int(y)).count("1") for x, y in zip(ra, rb)))
    return int(np.sum(ra & rb))


@intrinsic
def _ctpop(typingctx, x):
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        fn = builder.module.declare_intrinsic("llvm.ctpop", [args[0].type])
        return builder.call(fn, args)

    return sig, codegen


@overload(_a, inline="always")
def _a_ov(adj, a, b):
    if adj.dtype == types.uint64:
        def impl(adj, a, b):
            return np.uint8((adj[a, b >> 6] >> np.uint64(b & 63)) & np.uint64(1))
    else:
        def impl(adj, a, b):
            return adj[a, b]
    return impl


@overload(_aset, inline="always")
def _aset_ov(adj, a, b, v):
    if adj.dtype == types.uint64:
        def impl(adj, a, b, v):
            m = np.uint64(1) << np.uint64(b & 63)
            if v:
                adj[a, b >> 6] |= m
            else:
                adj[a, b >> 6] &= ~m
    else:
        def impl(adj, a, b, v):
            adj[a, b] = v
    return impl


@overload(_bits, inline="always")
def _bits_ov(adj):
    flag = adj.dtype == types.uint64

    def impl(adj):
        return flag
    return impl


@overload(_pc_and)
def _pc_and_ov(ra, rb):
    if ra.dtype == types.uint64:
        def impl(ra, rb):
            s = 0
            for w in range(ra.shape[0]):
                s += np.int64(_ctpop(ra[w] & rb[w]))
            return s
    else:
        def impl(ra, rb):
            s = 0
            for k in range(ra.shape[0]):
                s += ra[k] & rb[k]
            return s
    return impl


@njit(cache=True)
def pack_bits(adj):
    """uint64 bit rows (n, ceil(n / 64)) of a dense 0/1 matrix (the compact representation)."""
    n, m = adj.shape
    nw = (m + 63) // 64
    out = np.zeros((n, nw), dtype=np.uint64)
    for a in range(n):
        for b in range(m):
            if adj[a, b]:
                out[a, b >> 6] |= np.uint64(1) << np.uint64(b & 63)
    return out


@njit(cache=True)
def unpack_bits(bits, m):
    """Dense uint8 (n, m) matrix of bit rows (inverse of :func:`pack_bits`)."""
    n = bits.shape[0]
    out = np.zeros((n, m), dtype=np.uint8)
    for a in range(n):
        for b in range(m):
            out[a, b] = np.uint8((bits[a, b >> 6] >> np.uint64(b & 63)) & np.uint64(1))
    return out


@njit(cache=True, inline="always")
def _binom(d, k):
    """C(d, k) as float (0 when d < k)."""
    if d < k:
        return 0.0
    r = 1.0
    for q in range(k):
        r = r * (d - q) / (q + 1)
    return r


@njit(cache=True, inline="always")
def _otp(a, b, adj, adjT, tp, use_tp):
    """Directed: number of k with a->k->b. Undirected: common neighbours of a and b."""
    if use_tp:
        return tp[a, b]
    return _pc_and(adj[a], adjT[b])


@njit(cache=True, inline="always")
def _tpc(a, b, adj, adjT, tp, use_tp):
    """:func:`_otp` as int64 for the written-out gwesp: the dense state reads ``tp`` (the branch
    is decided when numba compiles), the compact one counts by popcount unless it keeps ``tp``.
    """
    if _bits(adj) and not use_tp:
        return np.int64(_pc_and(adj[a], adjT[b]))
    return np.int64(tp[a, b])


@njit(cache=True)
def _spc(typ, a, b, adj, adjT, tp, use_tp, ncat, cr):
    """Shared partners of type ``typ`` of the ordered pair (a, b), partners restricted
    to a's category of row ``cr`` when ``cr >= 0`` (undirected networks use OTP).
    """
    if cr < 0 and use_tp:
        if typ == OTP:
            return np.int64(tp[a, b])
        if typ == ITP:
            return np.int64(tp[b, a])
    if cr < 0:  # k = a or b contributes nothing to a row AND (no self-ties)
        if typ == OTP:
            return np.int64(_pc_and(adj[a], adjT[b]))
        if typ == ITP:
            return np.int64(_pc_and(adj[b], adjT[a]))
        if typ == OSP:
            return np.int64(_pc_and(adj[a], adj[b]))
        return np.int64(_pc_and(adjT[a], adjT[b]))
    n = adj.shape[0]
    s = 0
    for k in range(n):
        if k == a or k == b:
            continue
        if cr >= 0 and ncat[cr, k] != ncat[cr, a]:
            continue
        if typ == OTP:
            s += _a(adj, a, k) & _a(adjT, b, k)
        elif typ == ITP:
            s += _a(adj, b, k) & _a(adjT, a, k)
        elif typ == OSP:
            s += _a(adj, a, k) & _a(adj, b, k)
        else:
            s += _a(adjT, a, k) & _a(adjT, b, k)
    return np.int64(s)


@njit(cache=True, inline="always")
def _spw(mode, s, rr, ea, d):
    """Weight of a tie/dyad with ``s`` shared partners."""
    if mode == SP_GW:
        return ea * (1.0 - rr ** s)
    if mode == SP_COUNT:
        return 1.0 if s == d else 0.0
    return 1.0 if s > 0 else 0.0


@njit(cache=True, inline="always")
def _spd(mode, s, rr, ea, d):
    """Change of the weight when ``s`` shared partners become ``s + 1``."""
    if mode == SP_GW:
        return rr ** s
    if mode == SP_COUNT:
        return (1.0 if s + 1 == d else 0.0) - (1.0 if s == d else 0.0)
    return 1.0 if s == 0 else 0.0


@njit(cache=True, inline="always")
def _same(ncat, cr, a, b):
    return cr < 0 or ncat[cr, a] == ncat[cr, b]


@njit(cache=True)
def _esp_change(i, j, directed, typ, mode, rr, ea, d, cr, present, adj, adjT, indeg, outdeg, outl, inl, tp, use_tp,
                ncat):
    """Change of an edgewise shared-partner statistic for adding (i, j)."""
    if not _same(ncat, cr, i, j):
        return 0.0
    tot = _spw(mode, _spc(typ, i, j, adj, adjT, tp, use_tp, ncat, cr), rr, ea, d)
    if not directed:
        if outdeg[i] <= outdeg[j]:
            a, b, cnt = i, j, outdeg[i]
        else:
            a, b, cnt = j, i, outdeg[j]
        for q in range(cnt):
            k = outl[a, q]
            if _a(adj, b, k) and _same(ncat, cr, i, k):
                tot += _spd(mode, _spc(OTP, i, k, adj, adjT, tp, use_tp, ncat, cr) - present, rr, ea, d)
                tot += _spd(mode, _spc(OTP, j, k, adj, adjT, tp, use_tp, ncat, cr) - present, rr, ea, d)
        return tot
    if typ == OTP:
        for q in range(outdeg[j]):  # tie i->b gains partner j (i->j->b)
            b = outl[j, q]
            if _a(adj, i, b) and _same(ncat, cr, i, b):
                tot += _spd(mode, _spc(OTP, i, b, adj, adjT, tp, use_tp, ncat, cr) - present, rr, ea, d)
        for q in range(indeg[i]):  # tie a->j gains partner i (a->i->j)
            a = inl[i, q]
            if _a(adj, a, j) and _same(ncat, cr, i, a):
                tot += _spd(mode, _spc(OTP, a, j, adj, adjT, tp, use_tp, ncat, cr) - present, rr, ea, d)
    elif typ == ITP:
        for q in range(outdeg[j]):  # tie a->i gains partner j (i->j->a)
            a = outl[j, q]
            if _a(adj, a, i) and _same(ncat, cr, i, a):
                tot += _spd(mode, _spc(ITP, a, i, adj, adjT, tp, use_tp, ncat, cr) - present, rr, ea, d)
        for q in range(indeg[i]):  # tie j->b gains partner i (b->i->j)
            b = inl[i, q]
            if _a(adj, j, b) and _same(ncat, cr, i, b):
                tot += _spd(mode, _spc(ITP, j, b, adj, adjT, tp, use_tp, ncat, cr) - present, rr, ea, d)
    elif typ == OSP:
        for q in range(indeg[j]):  # ties i->b and b->i gain partner j when b->j
            b = inl[j, q]
            if b == i or not _same(ncat, cr, i, b):
                continue
            if _a(adj, i, b):
                tot += _spd(mode, _spc(OSP, i, b, adj, adjT, tp, use_tp, ncat, cr) - present, rr, ea, d)
            if _a(adj, b, i):
                tot += _spd(mode, _spc(OSP, b, i, adj, adjT, tp, use_tp, ncat, cr) - present, rr, ea, d)
    else:
        for q in range(outdeg[i]):  # ties j->b and b->j gain partner i when i->b
            b = outl[i, q]
            if b == j or not _same(ncat, cr, i, b):
                continue
            if _a(adj, j, b):
                tot += _spd(mode, _spc(ISP, j, b, adj, adjT, tp, use_tp, ncat, cr) - present, rr, ea, d)
            if _a(adj, b, j):
                tot += _spd(mode, _spc(ISP, b, j, adj, adjT, tp, use_tp, ncat, cr) - present, rr, ea, d)
    return tot


@njit(cache=True)
def _dsp_change(i, j, directed, typ, mode, rr, ea, d, present, adj, adjT, indeg, outdeg, outl, inl, tp, use_tp,
                ncat):
    """Change of a dyadwise shared-partner statistic for adding (i, j)."""
    tot = 0.0
    if not directed or typ == OTP or typ == ITP:  # ITP pairs are the OTP pairs reversed
        for q in range(outdeg[j]):  # pair (i, k) gains partner j
            k = outl[j, q]
            if k != i:
                tot += _spd(mode, _spc(OTP, i, k, adj, adjT, tp, use_tp, ncat, -1) - present, rr, ea, d)
        for q in range(indeg[i]):  # pair (k, j) gains partner i
            k = inl[i, q]
            if k != j:
                if directed:
                    tot += _spd(mode, _spc(OTP, k, j, adj, adjT, tp, use_tp, ncat, -1) - present, rr, ea, d)
                else:
                    tot += _spd(mode, _spc(OTP, j, k, adj, adjT, tp, use_tp, ncat, -1) - present, rr, ea, d)
    elif typ == OSP:  # ordered pairs (i, b) and (b, i) with b->j gain partner j
        for q in range(indeg[j]):
            b = inl[j, q]
            if b != i:
                tot += 2.0 * _spd(mode, _spc(OSP, i, b, adj, adjT, tp, use_tp, ncat, -1) - present, rr, ea, d)
    else:  # ISP: pairs (j, b) and (b, j) with i->b gain partner i
        for q in range(outdeg[i]):
            b = outl[i, q]
            if b != j:
                tot += 2.0 * _spd(mode, _spc(ISP, j, b, adj, adjT, tp, use_tp, ncat, -1) - present, rr, ea, d)
    return tot


@njit(cache=True)
def _same_deg(v, lst, deg, ncat, cr):
    """Neighbours in ``lst[v]`` with v's category."""
    c = 0
    for q in range(deg[v]):
        if ncat[cr, lst[v, q]] == ncat[cr, v]:
            c += 1
    return c


@njit(cache=True, inline="always")
def _side_degree(v, side, flags, lv, cr, ncat, inl, indeg, outl, outdeg, present):
    """Degree of node v (side 0: tail i, 1: head j) before the toggle, -1 when the side is not counted.

    ``flags``: 0 all / 1 in / 2 out degree, +4 homophily (neighbours of v's category only);
    ``lv`` the category counted (-1: every node). Shared by ``degree`` and ``degrange``.
    """
    kind = flags & 3
    if (kind == 1 and side == 0) or (kind == 2 and side == 1):
        return -1
    if lv >= 0 and ncat[cr, v] != lv:
        return -1
    if kind == 1:
        lst, dg = inl, indeg
    else:
        lst, dg = outl, outdeg
    if flags & 4:
        return _same_deg(v, lst, dg, ncat, cr) - present
    return dg[v] - present


@njit(cache=True, inline="always")
def _deg_term(v, dv, flags, d, rr):
    if flags & 8:
        return rr ** dv
    return (1.0 if dv + 1 == d else 0.0) - (1.0 if dv == d else 0.0)


@njit(cache=True, inline="always")
def _change_stats(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
                 codes, offs, nst, ipar, fpar, ncov, ncat, ecov, terms, out):
    """Write into ``out`` the change of the statistics of ``terms`` for adding (i, j)."""
    present = np.int64(_a(adj, i, j))
    for t in terms:
        c = codes[t]
        o = offs[t]
        if c == EDGES:
            out[o] = 1.0
        elif c == MUTUAL:
            cr = ipar[t, 0]
            mode = ipar[t, 1]
            lv = ipar[t, 2]
            if mode == 0:
                out[o] = _a(adj, j, i)
            elif mode == 1:
                out[o] = 1.0 * _a(adj, j, i) if ncat[cr, i] >= 0 and ncat[cr, i] == ncat[cr, j] else 0.0
            elif mode == 2:
                out[o] = 1.0 * _a(adj, j, i) if ncat[cr, i] == lv and ncat[cr, j] == lv else 0.0
            else:
                out[o] = _a(adj, j, i) * ((1.0 if ncat[cr, i] == lv else 0.0) + (1.0 if ncat[cr, j] == lv else 0.0))
        elif c == NODECOV:
            r = ipar[t, 0]
            out[o] = ncov[r, i] + ncov[r, j]
        elif c == NODEICOV:
            out[o] = ncov[ipar[t, 0], j]
        elif c == NODEOCOV:
            out[o] = ncov[ipar[t, 0], i]
        elif c == NODEFACTOR or c == NODEIFACTOR or c == NODEOFACTOR:
            r = ipar[t, 0]
            for q in range(nst[t]):
                out[o + q] = 0.0
            if c != NODEIFACTOR:
                a = ncat[r, i]
                if a >= 0:
                    out[o + a] += 1.0
            if c != NODEOFACTOR:
                b = ncat[r, j]
                if b >= 0:
                    out[o + b] += 1.0
        elif c == NODEMATCH:
            r = ipar[t, 0]
            a = ncat[r, i]
            out[o] = 1.0 if (a >= 0 and a == ncat[r, j]) else 0.0
        elif c == NODEMATCH_DIFF:
            r = ipar[t, 0]
            for q in range(nst[t]):
                out[o + q] = 0.0
            a = ncat[r, i]
            if a >= 0 and a == ncat[r, j]:
                out[o + ncat[ipar[t, 1], i]] += 1.0
        elif c == ABSDIFF:
            r = ipar[t, 0]
            out[o] = abs(ncov[r, i] - ncov[r, j]) ** fpar[t, 2]
        elif c == EDGECOV:
            r = ipar[t, 0]
            if directed or i < j:
                out[o] = ecov[r, i, j]
            else:
                out[o] = ecov[r, j, i]
        elif c == TRIANGLE or c == TTRIPLE or c == CTRIPLE:
            cr = ipar[t, 0]
            lv = ipar[t, 1]
            if cr >= 0 and (ncat[cr, i] < 0 or ncat[cr, i] != ncat[cr, j] or (lv >= 0 and ncat[cr, i] != lv)):
                out[o] = 0.0
                continue
            if not directed:  # ttriple/ctriple of an undirected network are triangles
                out[o] = _spc(OTP, i, j, adj, adjT, tp, use_tp, ncat, cr)
                continue
            tt = 0
            ct = 0
            for q in range(outdeg[i]):  # i->k->j
                k = outl[i, q]
                if _same(ncat, cr, i, k):
                    tt += _a(adj, k, j)
            for q in range(outdeg[j]):  # j->k with i->k (transitive), k->i (cyclic)
                k = outl[j, q]
                if _same(ncat, cr, i, k):
                    tt += _a(adj, i, k)
                    ct += _a(adj, k, i)
            if indeg[i] <= indeg[j]:  # k->i and k->j
                for q in range(indeg[i]):
                    if _same(ncat, cr, i, inl[i, q]):
                        tt += _a(adj, inl[i, q], j)
            else:
                for q in range(indeg[j]):
                    if _same(ncat, cr, i, inl[j, q]):
                        tt += _a(adj, inl[j, q], i)
            if c == TTRIPLE:
                out[o] = tt
            elif c == CTRIPLE:
                out[o] = ct
            else:
                out[o] = tt + ct
        elif c == GWESP and (use_tp or _bits(adj)) and ipar[t, 2] < 0 and np.int64(fpar[t, 2]) == SP_GW and (
                not directed or ipar[t, 0] == OTP):
            # the common gwesp (no attr=, OTP when directed) with maintained two-path counts (or
            # popcounts of bit rows in the compact state),
            # written out here: the same sums as _esp_change in the same order, without its
            # calls (statnet's sampler spends most of its time in this change statistic)
            rr = fpar[t, 0]
            tot = fpar[t, 1] * (1.0 - rr ** _tpc(i, j, adj, adjT, tp, use_tp))
            if not directed:
                if outdeg[i] <= outdeg[j]:
                    a, b = i, j
                else:
                    a, b = j, i
                for q in range(outdeg[a]):
                    k = outl[a, q]
                    if _a(adj, b, k):
                        tot += rr ** (_tpc(i, k, adj, adjT, tp, use_tp) - present)
                        tot += rr ** (_tpc(j, k, adj, adjT, tp, use_tp) - present)
            else:
                for q in range(outdeg[j]):  # tie i->b gains partner j (i->j->b)
                    b = outl[j, q]
                    if _a(adj, i, b):
                        tot += rr ** (_tpc(i, b, adj, adjT, tp, use_tp) - present)
                for q in range(indeg[i]):  # tie a->j gains partner i (a->i->j); row j of adjT, not column j
                    a = inl[i, q]
                    if _a(adjT, j, a):
                        tot += rr ** (_tpc(a, j, adj, adjT, tp, use_tp) - present)
            out[o] = tot
        elif c == TRANSITIVETIES or c == CYCLICALTIES or c == GWESP:
            # ipar: (shared-partner type, d, category row); fpar: (r, exp(alpha), weight mode)
            mode = np.int64(fpar[t, 2])
            out[o] = _esp_change(i, j, directed, ipar[t, 0], mode, fpar[t, 0], fpar[t, 1], ipar[t, 1], ipar[t, 2],
                                 present, adj, adjT, indeg, outdeg, outl, inl, tp, use_tp, ncat)
        elif c == GWDSP or c == GWNSP:
            mode = np.int64(fpar[t, 2])
            v = _dsp_change(i, j, directed, ipar[t, 0], mode, fpar[t, 0], fpar[t, 1], ipar[t, 1], present, adj,
                            adjT, indeg, outdeg, outl, inl, tp, use_tp, ncat)
            if c == GWNSP:
                v -= _esp_change(i, j, directed, ipar[t, 0], mode, fpar[t, 0], fpar[t, 1], ipar[t, 1], -1,
                                 present, adj, adjT, indeg, outdeg, outl, inl, tp, use_tp, ncat)
            out[o] = v
        elif c == DEGREE:
            # ipar: (category row, d or level, flags: 0 all / 1 in / 2 out, +4 homophily, +8 gw weight)
            # fpar: (r, level as float (-1 = every node), 0)
            cr = ipar[t, 0]
            d = ipar[t, 1]
            flags = ipar[t, 2]
            lv = np.int64(fpar[t, 1])
            rr = fpar[t, 0]
            tot = 0.0
            if not (flags & 4) or ncat[cr, i] == ncat[cr, j]:
                for side in range(2):
                    dv = _side_degree(i if side == 0 else j, side, flags, lv, cr, ncat, inl, indeg, outl, outdeg,
                                      present)
                    if dv >= 0:
                        tot += _deg_term(i if side == 0 else j, dv, flags, d, rr)
            out[o] = tot
        elif c == ISTAR or c == OSTAR or c == KSTAR:
            cr = ipar[t, 0]
            k1 = ipar[t, 1] - 1
            if cr >= 0:  # stars whose nodes all share the attribute value
                if ncat[cr, i] != ncat[cr, j]:
                    out[o] = 0.0
                    continue
                if c == ISTAR:
                    out[o] = _binom(_same_deg(j, inl, indeg, ncat, cr) - present, k1)
                elif c == OSTAR:
                    out[o] = _binom(_same_deg(i, outl, outdeg, ncat, cr) - present, k1)
                else:
                    out[o] = (_binom(_same_deg(i, outl, outdeg, ncat, cr) - present, k1)
                              + _binom(_same_deg(j, outl, outdeg, ncat, cr) - present, k1))
            elif c == ISTAR:
                out[o] = _binom(indeg[j] - present, k1)
            elif c == OSTAR:
                out[o] = _binom(outdeg[i] - present, k1)
            else:
                out[o] = _binom(outdeg[i] - present, k1) + _binom(outdeg[j] - present, k1)
        elif c == ISOLATES:
            if directed:
                di = indeg[i] + outdeg[i] - present
                dj = indeg[j] + outdeg[j] - present
            else:
                di = outdeg[i] - present
                dj = outdeg[j] - present
            out[o] = -((1.0 if di == 0 else 0.0) + (1.0 if dj == 0 else 0.0))
        elif c == GWIDEGREE:
            out[o] = fpar[t, 0] ** (indeg[j] - present)
        elif c == GWODEGREE:
            out[o] = fpar[t, 0] ** (outdeg[i] - present)
        elif c == GWDEGREE:
            rr = fpar[t, 0]
            out[o] = rr ** (outdeg[i] - present) + rr ** (outdeg[j] - present)
        elif c >= ASYMMETRIC:
            _change_more(c, t, o, i, j, present, directed, adj, adjT, indeg, outdeg, outl, inl, tp, use_tp,
                         nst, ipar, fpar, ncov, ncat, ecov, out)


@njit(cache=True, inline="always")
def _in_range(d, lo, hi):
    return 1.0 if lo <= d < hi else 0.0


@njit(cache=True, inline="always")
def _eadj(adj, u, v, a, b, val):
    """adj[u, v] with the dyad (a, b) set to ``val``."""
    if u == a and v == b:
        return val
    return np.int64(_a(adj, u, v))


@njit(cache=True)
def _trail_edge(typ, ou, iu, ov, iv, back):
    """3-trails with the tie u->v in the middle (directed types) or u-v (undirected, typ < 0)."""
    if typ < 0:
        return (ou - 1.0) * (ov - 1.0)
    if typ == 0:
        return iu * ov - back
    if typ == 1:
        return iu * (iv - 1.0)
    if typ == 2:
        return (ou - 1.0) * ov
    return (ou - 1.0) * (iv - 1.0)


@njit(cache=True)
def _trail_local(typ, a, b, val, directed, adj, indeg, outdeg, outl, inl, present):
    """Sum of _trail_edge over the ties touching a or b, with the dyad (a, b) set to ``val``."""
    n = adj.shape[0]
    tot = 0.0
    for side in range(2):
        v0 = a if side == 0 else b
        for u in range(n):  # dense scan keeps the dyad (a, b) logic simple
            if u == v0:
                continue
            for dirn in range(2 if directed else 1):
                if dirn == 0:
                    x, y = v0, u
                else:
                    x, y = u, v0
                if not directed and x > y:
                    x, y = y, x
                if _eadj(adj, x, y, a, b, val) == 0:
                    continue
                if side == 1 and (x == a or y == a):  # counted from a's side
                    continue
                ox = outdeg[x] - (present if x == a else 0) + (val if x == a else 0)
                ix = indeg[x] - (present if (x == b and directed) else 0) + (val if (x == b and directed) else 0)
                oy = outdeg[y] - (present if y == a else 0) + (val if y == a else 0)
                iy = indeg[y] - (present if (y == b and directed) else 0) + (val if (y == b and directed) else 0)
                if not directed:
                    ox = outdeg[x] - (present if (x == a or x == b) else 0) + (val if (x == a or x == b) else 0)
                    oy = outdeg[y] - (present if (y == a or y == b) else 0) + (val if (y == a or y == b) else 0)
                    tot += _trail_edge(-1, ox, ox, oy, oy, 0)
                    tot += 0.0
                else:
                    tot += _trail_edge(typ, ox, ix, oy, iy, _eadj(adj, y, x, a, b, val))
    return tot


@njit(cache=True)
def _count_paths(src, dst, length, semi, directed, adj, adjT, indeg, outdeg, outl, inl, skip, stack, it, onp):
    """Simple paths src -> ... -> dst with exactly ``length`` ties and no other node in ``skip``."""
    if length == 1:
        if directed and not semi:
            return np.int64(_a(adj, src, dst))
        return np.int64(1 if (_a(adj, src, dst) or _a(adjT, src, dst)) else 0)
    cnt = 0
    depth = 0
    stack[0] = src
    it[0] = 0
    onp[src] = 1
    while depth >= 0:
        v = stack[depth]
        nout = outdeg[v]
        nin = indeg[v] if (semi and directed) else 0
        q = it[depth]
        if q >= nout + nin or depth == length - 1:
            # v is the next-to-last node: close with a tie to dst
            if depth == length - 1 and (_a(adj, v, dst) or ((semi and directed) and _a(adj, dst, v))) and v != dst:
                cnt += 1
            onp[v] = 0
            depth -= 1
            if depth >= 0:
                it[depth] += 1
            continue
        if q < nout:
            w = outl[v, q]
        else:
            w = inl[v, q - nout]
            if _a(adj, v, w):  # already visited as an out-neighbour
                it[depth] += 1
                continue
        if onp[w] or w == dst or w == skip:
            it[depth] += 1
            continue
        depth += 1
        stack[depth] = w
        it[depth] = 0
        onp[w] = 1
    return np.int64(cnt)


@njit(cache=True)
def _mutual_partners(a, b, skip, adj, n):
    s = 0
    for k in range(n):
        if k == a or k == b or k == skip:
            continue
        if _a(adj, a, k) and _a(adj, k, a) and _a(adj, b, k) and _a(adj, k, b):
            s += 1
    return s


@njit(cache=True)
def _global_stat(kind, cat, a, b, val, directed, adj, n, const):
    """degcrossprod (kind 0: sum over ties of d_u d_v, divided by ``const``) or tripercent
    (kind 2: 100 T / (T + open two-stars), ties and degrees within ``cat`` when cat[0] >= -1 is
    a category row, else all) of the undirected network with the dyad (a, b) set to ``val``.
    """
    deg = np.zeros(n)
    for u in range(n):
        for v in range(u + 1, n):
            if _eadj(adj, u, v, a, b, val) and (kind == 0 or cat[u] == cat[v]):
                deg[u] += 1.0
                deg[v] += 1.0
    if kind == 0:
        sxy = 0.0
        for u in range(n):
            for v in range(u + 1, n):
                if _eadj(adj, u, v, a, b, val):
                    sxy += deg[u] * deg[v]
        return sxy / const
    tri = 0.0
    for u in range(n):
        for v in range(u + 1, n):
            if not _eadj(adj, u, v, a, b, val) or cat[u] != cat[v]:
                continue
            for w in range(v + 1, n):
                if cat[w] == cat[u] and _eadj(adj, u, w, a, b, val) and _eadj(adj, v, w, a, b, val):
                    tri += 1.0
    if tri == 0:
        return 0.0
    s2 = 0.0
    for u in range(n):
        s2 += deg[u] * (deg[u] - 1.0) / 2.0
    return 100.0 * tri / (tri + s2 - 3.0 * tri)


@njit(cache=True)
def _change_more(c, t, o, i, j, present, directed, adj, adjT, indeg, outdeg, outl, inl, tp, use_tp,
                 nst, ipar, fpar, ncov, ncat, ecov, out):
    """Change statistics of the terms coded ASYMMETRIC and later, for adding (i, j).

    A small dispatcher, so that the compiler keeps the larger bodies out of the sampler loop.
    """
    if c < TWOPATH:
        _change_more_a(c, t, o, i, j, present, directed, adj, adjT, indeg, outdeg, outl, inl, tp, use_tp,
                        nst, ipar, fpar, ncov, ncat, ecov, out)
    else:
        _change_more_b(c, t, o, i, j, present, directed, adj, adjT, indeg, outdeg, outl, inl, tp, use_tp,
                        nst, ipar, fpar, ncov, ncat, ecov, out)


@njit(cache=True)
def _change_more_a(c, t, o, i, j, present, directed, adj, adjT, indeg, outdeg, outl, inl, tp, use_tp,
                 nst, ipar, fpar, ncov, ncat, ecov, out):
    """Codes ASYMMETRIC .. CONCURRENTTIES."""
    n = adj.shape[0]
    if c == ASYMMETRIC:
        cr = ipar[t, 0]
        mode = ipar[t, 1]
        if mode > 0 and (ncat[cr, i] < 0 or ncat[cr, i] != ncat[cr, j] or (mode == 2 and ncat[cr, i] != ipar[t, 2])):
            out[o] = 0.0
        else:
            out[o] = 1.0 - 2.0 * _a(adj, j, i)
    elif c == SCALED_EDGES:
        out[o] = fpar[t, 0]
    elif c == DIFF:
        r = ipar[t, 0]
        v = ncov[r, i] - ncov[r, j] if ipar[t, 1] == 0 else ncov[r, j] - ncov[r, i]
        act = ipar[t, 2]
        if act == 1:
            v = abs(v)
        elif act == 2:
            v = max(v, 0.0)
        elif act == 3:
            v = min(v, 0.0)
        out[o] = v ** fpar[t, 2]
    elif c == SMALLDIFF:
        r = ipar[t, 0]
        out[o] = 1.0 if abs(ncov[r, i] - ncov[r, j]) <= fpar[t, 0] else 0.0
    elif c == ABSDIFFCAT:
        r = ipar[t, 0]
        out[o] = 1.0 if abs(ncov[r, i] - ncov[r, j]) == fpar[t, 0] else 0.0
    elif c == NODEMIX:
        for q in range(nst[t]):
            out[o + q] = 0.0
        k = np.int64(ecov[ipar[t, 0], i, j])
        if k >= 0:
            out[o + k] = 1.0
    elif c == DYADCOV:
        r = ipar[t, 0]
        a = min(i, j)
        b = max(i, j)
        x = ecov[r, a, b]
        if not directed:
            out[o] = x
        else:
            out[o] = 0.0
            out[o + 1] = 0.0
            out[o + 2] = 0.0
            # statnet's order: mutual, then asymmetric ties tail > head ("utri"), tail < head
            if _a(adj, j, i):  # the dyad turns from asymmetric (j->i) to mutual
                out[o] = x
                out[o + (1 if j > i else 2)] = -x
            else:
                out[o + (1 if i > j else 2)] = x
    elif c == DEGRANGE:
        cr = ipar[t, 0]
        lo = ipar[t, 1]
        flags = ipar[t, 2]
        hi = fpar[t, 0]
        lv = np.int64(fpar[t, 1])
        tot = 0.0
        if not (flags & 4) or ncat[cr, i] == ncat[cr, j]:
            for side in range(2):
                dv = _side_degree(i if side == 0 else j, side, flags, lv, cr, ncat, inl, indeg, outl, outdeg, present)
                if dv >= 0:
                    tot += _in_range(dv + 1, lo, hi) - _in_range(dv, lo, hi)
        out[o] = tot
    elif c == DEG15:
        kind = ipar[t, 0]
        tot = 0.0
        if kind != 1:
            d = outdeg[i] - present
            tot += (d + 1.0) ** 1.5 - d ** 1.5
        if kind != 2:
            d = (indeg[j] if directed else outdeg[j]) - present
            tot += (d + 1.0) ** 1.5 - d ** 1.5
        out[o] = tot
    elif c == CONCURRENTTIES:
        cr = ipar[t, 0]
        lv = ipar[t, 1]
        tot = 0.0
        for side in range(2):
            v = i if side == 0 else j
            if cr >= 0 and ncat[cr, v] != lv:
                continue
            if outdeg[v] - present >= 1:
                tot += 1.0
        out[o] = tot


@njit(cache=True)
def _change_more_b(c, t, o, i, j, present, directed, adj, adjT, indeg, outdeg, outl, inl, tp, use_tp,
                 nst, ipar, fpar, ncov, ncat, ecov, out):
    """Codes TWOPATH and later."""
    n = adj.shape[0]
    if c == TWOPATH:
        if directed:
            out[o] = indeg[i] + outdeg[j] - 2.0 * _a(adj, j, i)
        else:
            out[o] = outdeg[i] + outdeg[j] - 2.0 * present
    elif c == ALTKSTAR:
        lam = fpar[t, 0]
        q = 1.0 - 1.0 / lam
        out[o] = lam * (2.0 - q ** (outdeg[i] - present) - q ** (outdeg[j] - present))
    elif c == TRIADCLASS:
        mask = ipar[t, 0]
        per = ipar[t, 1]
        for q in range(nst[t]):
            out[o + q] = 0.0
        for k in range(n):
            if k == i or k == j:
                continue
            if directed:
                code = (2 * _a(adj, j, i) + 4 * _a(adj, i, k) + 8 * _a(adj, k, i) + 16 * _a(adj, j, k) + 32 * _a(adj, k, j))
                tb = TRIAD_TYPE[code]
                ta = TRIAD_TYPE[code + 1]
            else:
                tb = np.int64(_a(adj, i, k)) + np.int64(_a(adj, j, k))
                ta = tb + 1
            if (mask >> tb) & 1:
                out[o + (_popcount(mask & ((1 << tb) - 1)) if per else 0)] -= 1.0
            if (mask >> ta) & 1:
                out[o + (_popcount(mask & ((1 << ta) - 1)) if per else 0)] += 1.0
    elif c == CYCLE:
        k = ipar[t, 0]
        semi = ipar[t, 1] == 1
        if semi and directed and _a(adj, j, i):
            out[o] = 0.0
        else:
            stack = np.empty(k + 1, dtype=np.int64)
            it = np.empty(k + 1, dtype=np.int64)
            onp = np.zeros(n, dtype=np.int64)
            out[o] = _count_paths(j, i, k - 1, semi, directed, adj, adjT, indeg, outdeg, outl, inl, i, stack, it,
                                  onp)
    elif c == THREETRAIL:
        typ = ipar[t, 0]
        out[o] = (_trail_local(typ, i, j, 1, directed, adj, indeg, outdeg, outl, inl, present)
                  - _trail_local(typ, i, j, 0, directed, adj, indeg, outdeg, outl, inl, present))
    elif c == GLOBALSTAT:
        kind = ipar[t, 0]
        crow = ncat[ipar[t, 1]] if ipar[t, 1] >= 0 else np.zeros(n, dtype=np.int64)
        out[o] = (_global_stat(kind, crow, i, j, 1, directed, adj, n, fpar[t, 0])
                  - _global_stat(kind, crow, i, j, 0, directed, adj, n, fpar[t, 0]))
    elif c == SIMMELIANTIES:
        tot = 0.0
        if _a(adj, j, i):  # i<->j becomes mutual
            m = _mutual_partners(i, j, -1, adj, n)
            if m > 0:
                tot += 2.0
            for k in range(n):
                if k == i or k == j:
                    continue
                if _a(adj, i, k) and _a(adj, k, i) and _a(adj, j, k) and _a(adj, k, j):
                    if _mutual_partners(i, k, j, adj, n) == 0:
                        tot += 2.0
                    if _mutual_partners(j, k, i, adj, n) == 0:
                        tot += 2.0
        out[o] = tot
    elif c == OPENTRIAD:
        cn = 0
        for k in range(n):
            if k != i and k != j and _a(adj, i, k) and _a(adj, j, k):
                cn += 1
        out[o] = (outdeg[i] - present) + (outdeg[j] - present) - 3.0 * cn
    elif c == INTRANSITIVE:
        tot = 0.0
        for q in range(outdeg[j]):  # i->j->k, k != i, open unless i->k
            k = outl[j, q]
            if k != i and not _a(adj, i, k):
                tot += 1.0
        for q in range(indeg[i]):  # k->i->j, k != j, open unless k->j
            k = inl[i, q]
            if k != j and not _a(adj, k, j):
                tot += 1.0
        for k in range(n):  # i->k->j closed by the new tie
            if k != i and k != j and _a(adj, i, k) and _a(adj, k, j):
                tot -= 1.0
        out[o] = tot
    elif c == ESP_RTP or c == DSP_RTP or c == NSP_RTP:
        mode = np.int64(fpar[t, 2])
        v = 0.0
        if c != ESP_RTP:
            v += _dsp_rtp_change(i, j, mode, fpar[t, 0], fpar[t, 1], ipar[t, 1], present, adj, outdeg, outl)
        if c != DSP_RTP:
            e = _esp_rtp_change(i, j, mode, fpar[t, 0], fpar[t, 1], ipar[t, 1], present, adj, outdeg, outl)
            v = v + e if c == ESP_RTP else v - e
        out[o] = v
    elif c == ISOLATEDEDGES:
        di = outdeg[i] - present
        dj = outdeg[j] - present
        tot = 1.0 if (di == 0 and dj == 0) else 0.0
        for side in range(2):  # a's only tie (a, k) stops being isolated
            a = i if side == 0 else j
            b = j if side == 0 else i
            if outdeg[a] - present == 1:
                for q in range(outdeg[a]):
                    k = outl[a, q]
                    if k != b and outdeg[k] == 1:
                        tot -= 1.0
        out[o] = tot


@njit(cache=True)
def _rtp(a, b, skip, adj):
    """RTP partners of (a, b): k with a<->k<->b, leaving out ``skip``."""
    return _mutual_partners(a, b, skip, adj, adj.shape[0])


@njit(cache=True)
def _esp_rtp_change(i, j, mode, rr, ea, d, present, adj, outdeg, outl):
    """Change of an edgewise RTP statistic (over directed ties) for adding i->j."""
    tot = _spw(mode, _rtp(i, j, -1, adj), rr, ea, d)  # the new tie's own partners
    if _a(adj, j, i):  # i<->j becomes mutual: ties between a and b<->(other end) gain that end
        for side in range(2):
            a = i if side == 0 else j
            o2 = j if side == 0 else i
            for q in range(outdeg[o2]):
                b = outl[o2, q]
                if b == a or not _a(adj, b, o2):
                    continue
                s = _rtp(a, b, o2, adj)  # partners before the toggle (o2 is not one)
                if _a(adj, a, b):
                    tot += _spd(mode, s, rr, ea, d)
                if _a(adj, b, a):
                    tot += _spd(mode, s, rr, ea, d)
    return tot


@njit(cache=True)
def _dsp_rtp_change(i, j, mode, rr, ea, d, present, adj, outdeg, outl):
    """Change of a dyadwise RTP statistic (over ordered pairs) for adding i->j."""
    tot = 0.0
    if _a(adj, j, i):
        for side in range(2):
            a = i if side == 0 else j
            o2 = j if side == 0 else i
            for q in range(outdeg[o2]):
                b = outl[o2, q]
                if b != a and _a(adj, b, o2):
                    tot += 2.0 * _spd(mode, _rtp(a, b, o2, adj), rr, ea, d)
    return tot


@njit(cache=True, inline="always")
def _popcount(x):
    c = 0
    while x:
        c += x & 1
        x >>= 1
    return c


@njit(cache=True)
def change_stats(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
                 codes, offs, nst, ipar, fpar, ncov, ncat, ecov, terms, out):
    """Write into ``out`` the change of the statistics of ``terms`` for adding (i, j)."""
    _change_stats(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
                  codes, offs, nst, ipar, fpar, ncov, ncat, ecov, terms, out)


@njit(cache=True, inline="always")
def _list_add(lst, pos, deg, a, b):
    lst[a, deg[a]] = b
    pos[a, b] = deg[a]


@njit(cache=True, inline="always")
def _list_remove(lst, pos, deg, a, b):
    p = pos[a, b]
    last = lst[a, deg[a] - 1]
    lst[a, p] = last
    pos[a, last] = p


@njit(cache=True, inline="always")
def _find(lst, a, b):
    """Position of b in the list of a (compact state: the lists are scanned)."""
    q = 0
    while lst[a, q] != b:
        q += 1
    return q


@njit(cache=True, inline="always")
def _cremove(lst, deg, a, q):
    """Swap-remove entry q of a's list (deg[a] not yet decremented)."""
    lst[a, q] = lst[a, deg[a] - 1]


@njit(cache=True)
def _toggle_compact(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, etail, ehead, epos, nedges):
    """:func:`toggle` on the compact state; ``epos[a, q]`` is 1 + the edge-list position of the
    tie from a to ``outl[a, q]`` (undirected: meaningful where a < outl[a, q]), moved along with
    the list entries. Returns (sign, new number of edges); the lists keep the dense order.
    """
    if _a(adj, i, j):
        q = _find(outl, i, j)
        p = epos[i, q] - 1  # swap-remove from the edge list
        last = nedges - 1
        lt = etail[last]
        lh = ehead[last]
        etail[p] = lt
        ehead[p] = lh
        epos[lt, _find(outl, lt, lh)] = p + 1
        nedges -= 1
        _aset(adj, i, j, 0)
        d = outdeg[i] - 1
        outl[i, q] = outl[i, d]
        epos[i, q] = epos[i, d]
        outdeg[i] -= 1
        if directed:
            _aset(adjT, j, i, 0)
            _cremove(inl, indeg, j, _find(inl, j, i))
            indeg[j] -= 1
        else:
            _aset(adj, j, i, 0)
            q = _find(outl, j, i)
            d = outdeg[j] - 1
            outl[j, q] = outl[j, d]
            epos[j, q] = epos[j, d]
            outdeg[j] -= 1
            indeg[i] -= 1
            indeg[j] -= 1
        return -1, nedges
    etail[nedges] = i
    ehead[nedges] = j
    nedges += 1
    _aset(adj, i, j, 1)
    outl[i, outdeg[i]] = j
    epos[i, outdeg[i]] = nedges
    outdeg[i] += 1
    if directed:
        _aset(adjT, j, i, 1)
        inl[j, indeg[j]] = i
        indeg[j] += 1
    else:
        _aset(adj, j, i, 1)
        outl[j, outdeg[j]] = i
        outdeg[j] += 1
        indeg[i] += 1
        indeg[j] += 1
    return 1, nedges


@njit(cache=True, inline="always")
def toggle(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
           etail, ehead, epos, nedges):
    """Toggle tie (i, j) (i < j when undirected); return the new number of edges."""
    if _bits(adj):
        sgn, nedges = _toggle_compact(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, etail, ehead, epos,
                                      nedges)
    elif _a(adj, i, j):
        sgn = -1
        p = epos[i, j] - 1  # swap-remove from the edge list
        last = nedges - 1
        lt = etail[last]
        lh = ehead[last]
        etail[p] = lt
        ehead[p] = lh
        epos[lt, lh] = p + 1
        epos[i, j] = 0
        nedges -= 1
        _aset(adj, i, j, 0)
        if directed:
            _aset(adjT, j, i, 0)
            _list_remove(outl, outpos, outdeg, i, j)
            _list_remove(inl, inpos, indeg, j, i)
            outdeg[i] -= 1
            indeg[j] -= 1
        else:
            _aset(adj, j, i, 0)
            _list_remove(outl, outpos, outdeg, i, j)
            _list_remove(outl, outpos, outdeg, j, i)
            outdeg[i] -= 1
            outdeg[j] -= 1
            indeg[i] -= 1
            indeg[j] -= 1
    else:
        sgn = 1
        etail[nedges] = i
        ehead[nedges] = j
        epos[i, j] = nedges + 1
        nedges += 1
        _aset(adj, i, j, 1)
        if directed:
            _aset(adjT, j, i, 1)
            _list_add(outl, outpos, outdeg, i, j)
            _list_add(inl, inpos, indeg, j, i)
            outdeg[i] += 1
            indeg[j] += 1
        else:
            _aset(adj, j, i, 1)
            _list_add(outl, outpos, outdeg, i, j)
            _list_add(outl, outpos, outdeg, j, i)
            outdeg[i] += 1
            outdeg[j] += 1
            indeg[i] += 1
            indeg[j] += 1
    if use_tp:
        # the state is already updated; (i, j) itself contributes to no count below
        if directed:
            for q in range(outdeg[j]):
                tp[i, outl[j, q]] += sgn  # i->j->k
            for q in range(indeg[i]):
                tp[inl[i, q], j] += sgn  # k->i->j
        else:
            for q in range(outdeg[j]):
                k = outl[j, q]
                if k != i:
                    tp[i, k] += sgn
                    tp[k, i] += sgn
            for q in range(outdeg[i]):
                k = outl[i, q]
                if k != j:
                    tp[j, k] += sgn
                    tp[k, j] += sgn
    return nedges


@njit(cache=True)
def two_paths(adj, adjT, directed, tp):
    """Fill ``tp`` (zeros, (n, n)) with the two-path counts of the network (see above)."""
    n = adj.shape[0]
    for a in range(n):
        for k in range(n):
            if _a(adj, a, k):
                rk = adj[k]
                for b in range(n):
                    if rk[b]:
                        tp[a, b] += 1
    if not directed:
        for a in range(n):
            tp[a, a] = 0
    return tp


@njit(cache=True)
def dyad_table(directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
               codes, offs, nst, ipar, fpar, ncov, ncat, ecov, terms, p):
    """Change statistics of every dyad (rows i<j, or i != j when directed) and ties."""
    n = adj.shape[0]
    nd = n * (n - 1) if directed else n * (n - 1) // 2
    X = np.zeros((nd, p))
    y = np.zeros(nd, dtype=np.uint8)
    out = np.zeros(p)
    r = 0
    for i in range(n):
        j0 = 0 if directed else i + 1
        for j in range(j0, n):
            if i == j:
                continue
            change_stats(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
                         codes, offs, nst, ipar, fpar, ncov, ncat, ecov, terms, out)
            for q in range(p):
                X[r, q] = out[q]
            y[r] = _a(adj, i, j)
            r += 1
    return X, y


@njit(cache=True)
def eta_matrix(directed, n, codes, offs, nst, ipar, fpar, ncov, ncat, ecov, terms, theta):
    """theta . change statistics of dyad-independent ``terms`` for every dyad (n, n)."""
    adj = np.zeros((n, n), dtype=np.uint8)
    deg = np.zeros(n, dtype=np.int64)
    tp = np.zeros((1, 1), dtype=np.int16)
    lst = np.zeros((n, 1), dtype=np.int16)
    out = np.zeros(theta.shape[0])
    eta = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            change_stats(i, j, directed, adj, adj, deg, deg, lst, lst, lst, lst, tp, False,
                         codes, offs, nst, ipar, fpar, ncov, ncat, ecov, terms, out)
            s = 0.0
            for t in terms:
                for q in range(offs[t], offs[t] + nst[t]):
                    s += theta[q] * out[q]
            eta[i, j] = s
    return eta


@njit(cache=True)
def row_hash(xv, y):
    """64-bit hash of every row of (X viewed as uint64, y), to compress identical rows."""
    m, p = xv.shape
    h = np.empty(m, dtype=np.uint64)
    for r in range(m):
        a = np.uint64(1469598103934665603) ^ np.uint64(y[r])
        for q in range(p):
            a = (a ^ xv[r, q]) * np.uint64(1099511628211)
            a ^= a >> np.uint64(29)
        h[r] = a
    return h


@njit(cache=True)
def rows_equal_rep(X, y, inverse, rep):
    """True if every row equals the representative row of its hash group."""
    m, p = X.shape
    for r in range(m):
        s = rep[inverse[r]]
        if y[r] != y[s]:
            return False
        for q in range(p):
            if X[r, q] != X[s, q]:
                return False
    return True


@njit(cache=True, nogil=True)  # nogil: chains run in parallel threads (numba's random state is per thread)
def tnt_chain(directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp, etail, ehead, epos, nedges,
              codes, offs, nst, ipar, fpar, ncov, ncat, ecov, dd_terms, di_terms,
              eta0, theta, stats, burnin, interval, nsamp, seed, sample, prog):
    """Metropolis-Hastings with the tie/no-tie proposal.

    With probability 1/2 (when the network has ties) a uniformly chosen tie is
    proposed for removal, otherwise a uniformly chosen dyad is toggled; the
    acceptance ratio uses the exact proposal probabilities of both moves. ``eta0``
    holds theta . (change of the dyad-independent terms) for every dyad, so only the
    dyad-dependent terms are evaluated per proposal. ``stats`` (p,) is updated in
    place; ``sample`` (nsamp, p) receives the statistics every ``interval``
    proposals after ``burnin``. Returns the number of edges.

    ``prog`` (int64 (3,)) holds the proposals done, accepted proposals and draws recorded;
    a call starts where it says. When a tie fills a neighbour list of a compact state
    (a degree reaches ``outl.shape[1]``), the call stops after that proposal so that the
    caller can widen the lists and call again with ``seed < 0``: numba's random stream of
    the thread then goes on where it stopped, so the draws are those of one uninterrupted
    call (see ``sampler.run_chain_job``).
    """
    if seed >= 0:
        np.random.seed(seed)
    n = adj.shape[0]
    p = stats.shape[0]
    ndyads = n * (n - 1) if directed else n * (n - 1) // 2
    inv_d = 1.0 / ndyads
    out = np.zeros(p)
    total = burnin + interval * nsamp
    width = outl.shape[1]
    accepted = prog[1]
    s_i = prog[2]
    rec_next = burnin + interval * (s_i + 1)  # proposals done when the next draw is recorded
    full = False
    step = prog[0]
    while step < total:
        if nedges > 0 and np.random.random() < 0.5:
            e = min(int(np.random.random() * nedges), nedges - 1)
            i = etail[e]
            j = ehead[e]
        else:
            i = min(int(np.random.random() * n), n - 1)
            j = min(int(np.random.random() * (n - 1)), n - 2)
            if j >= i:
                j += 1
            if not directed and i > j:
                i, j = j, i
        if _a(adj, i, j):
            sgn = -1.0
            # q(x -> x') for removing a tie, q(x' -> x) for adding it back
            q_fwd = 0.5 / nedges + 0.5 * inv_d
            q_bwd = (0.5 if nedges > 1 else 1.0) * inv_d
        else:
            sgn = 1.0
            q_fwd = (0.5 if nedges > 0 else 1.0) * inv_d
            q_bwd = 0.5 / (nedges + 1) + 0.5 * inv_d
        _change_stats(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
                      codes, offs, nst, ipar, fpar, ncov, ncat, ecov, dd_terms, out)
        lr = eta0[i, j]
        for t in dd_terms:
            for q in range(offs[t], offs[t] + nst[t]):
                lr += theta[q] * out[q]
        ratio = np.exp(sgn * lr) * (q_bwd / q_fwd)
        if ratio >= 1.0 or np.random.random() < ratio:
            change_stats(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
                         codes, offs, nst, ipar, fpar, ncov, ncat, ecov, di_terms, out)
            for q in range(p):
                stats[q] += sgn * out[q]
            nedges = toggle(i, j, directed, adj, adjT, indeg, outdeg, outl, inl, outpos, inpos, tp, use_tp,
                            etail, ehead, epos, nedges)
            accepted += 1
            full = outdeg[i] >= width or outdeg[j] >= width or indeg[j] >= width
        step += 1
        if step == rec_next and s_i < nsamp:
            for q in range(p):
                sample[s_i, q] = stats[q]
            s_i += 1
            rec_next += interval
        if full:
            break
    prog[0] = step
    prog[1] = accepted
    prog[2] = s_i
    return nedges


@njit(cache=True)
def logistic_ghl(X, s, m, offset, beta):
    """Loglik, gradient and negative Hessian of a grouped binomial logistic regression.

    ``s`` successes and ``m`` trials per row; loglik = sum s*eta - m*log(1+exp(eta)),
    i.e. the Bernoulli likelihood of the ungrouped rows.
    """
    nr, p = X.shape
    H = np.zeros((p, p))
    g = np.zeros(p)
    ll = 0.0
    for r in range(nr):
        eta = offset[r]
        for q in range(p):
            eta += X[r, q] * beta[q]
        if eta > 0:
            e = np.exp(-eta)
            l1p = eta + np.log1p(e)
            pr = 1.0 / (1.0 + e)
        else:
            e = np.exp(eta)
            l1p = np.log1p(e)
            pr = e / (1.0 + e)
        ll += s[r] * eta - m[r] * l1p
        res = s[r] - m[r] * pr
        w = m[r] * pr * (1.0 - pr)
        for a in range(p):
            xa = X[r, a]
            g[a] += xa * res
            wa = w * xa
            for b in range(a + 1):
                H[a, b] += wa * X[r, b]
    for a in range(p):
        for b in range(a):
            H[b, a] = H[a, b]
    return ll, g, H


@njit(cache=True)
def cholesky_forward(M, R):
    """Cholesky factor C of the positive definite ``M`` and ``W = C^-1 R``; ok=False if not PD.

    Used by :func:`.sampler.multivariate_ess` for its autoregression fits (a few hundred
    rows): here rather than LAPACK, whose threads cost more than the work on a busy machine.
    """
    k = M.shape[0]
    m = R.shape[1]
    C = np.zeros((k, k))
    W = np.zeros((k, m))
    for j in range(k):
        s = M[j, j]
        for q in range(j):
            s -= C[j, q] * C[j, q]
        if not s > 0.0:
            return C, W, False
        d = np.sqrt(s)
        C[j, j] = d
        for i in range(j + 1, k):
            t = M[i, j]
            for q in range(j):
                t -= C[i, q] * C[j, q]
            C[i, j] = t / d
    for i in range(k):
        for c in range(m):
            t = R[i, c]
            for q in range(i):
                t -= C[i, q] * W[q, c]
            W[i, c] = t / C[i, i]
    return C, W, True


@njit(cache=True)
def upper_back(C, W, k):
    """``B = (C[:k, :k])'^-1 W[:k]`` for a lower-triangular ``C`` (back substitution)."""
    m = W.shape[1]
    B = np.zeros((k, m))
    for i in range(k - 1, -1, -1):
        for c in range(m):
            t = W[i, c]
            for q in range(i + 1, k):
                t -= C[q, i] * B[q, c]
            B[i, c] = t / C[i, i]
    return B


@njit(cache=True)
def var_crossproducts(w, L):
    """Least-squares sums of a VAR(L) over chains ``w`` (chains, n, q), as statnet's fit_var_ols_multi.

    Returns ``XtX`` (qL, qL) whose block (i, j) sums x[t-i] x[t-j]' over t >= max(i, j),
    ``XtY`` (qL, q) whose block i sums x[t-i] x[t]' over t >= i, ``oneZ`` (qL,) whose
    block i sums x[t-i] over t >= i, and ``YtY`` (q, q) summing x[t] x[t]' over all t.
    """
    c, n, q = w.shape
    K = q * L
    XtX = np.zeros((K, K))
    XtY = np.zeros((K, q))
    oneZ = np.zeros(K)
    YtY = np.zeros((q, q))
    G = np.zeros((L + 1, q, q))
    for ch in range(c):
        X = w[ch]
        G[:] = 0.0
        for d in range(L + 1):  # G[d] = sum_u x[u+d] x[u]'
            for u in range(n - d):
                for a in range(q):
                    xa = X[u + d, a]
                    for b in range(q):
                        G[d, a, b] += xa * X[u, b]
        for a in range(q):
            for b in range(q):
                YtY[a, b] += G[0, a, b]
        for i in range(1, L + 1):
            # XtY block i: sum_{t>=i} x[t-i] x[t]' = G[i]'
            for a in range(q):
                for b in range(q):
                    XtY[(i - 1) * q + a, b] += G[i, b, a]
                s = 0.0
                for u in range(n - i):
                    s += X[u, a]
                oneZ[(i - 1) * q + a] += s
            for j in range(i, L + 1):
                d = j - i
                # sum_{t>=j} x[t-i] x[t-j]' = G[d] minus the last i terms u = n-j .. n-d-1
                for a in range(q):
                    for b in range(q):
                        v = G[d, a, b]
                        for u in range(n - j, n - d):
                            v -= X[u + d, a] * X[u, b]
                        XtX[(i - 1) * q + a, (j - 1) * q + b] += v
                        if j > i:
                            XtX[(j - 1) * q + b, (i - 1) * q + a] += v
    return XtX, XtY, oneZ, YtY
