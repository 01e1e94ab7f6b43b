"""R's default random number generator and rbinom, to rebuild the draws of statnet's tests.

Mersenne-Twister with set.seed's scrambling (R's RNG.c) and rbinom's inversion branch
(size * min(p, 1-p) < 30, R's rbinom.c), runif, and sample()/sample.int() without replacement
with R >= 3.6's default "Rejection" index sampling (R_unif_index/rbits in RNG.c), written from the
published algorithms; rbinom is checked in test_ergm_statnet_terms.py against draws exported from R,
runif and sample against the bipartite networks of test-term-flexible.R (their statnet statistics).
"""

import math

N, M = 624, 397


class RRandom:
    def __init__(self, seed):
        s = seed & 0xFFFFFFFF
        for _ in range(50):
            s = (69069 * s + 1) & 0xFFFFFFFF
        vals = []
        for _ in range(625):
            s = (69069 * s + 1) & 0xFFFFFFFF
            vals.append(s)
        self.mt = vals[1:]
        self.mti = N

    def _genrand(self):
        mt = self.mt
        if self.mti >= N:
            for kk in range(N):
                y = (mt[kk] & 0x80000000) | (mt[(kk + 1) % N] & 0x7FFFFFFF)
                mt[kk] = mt[(kk + M) % N] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.mti = 0
        y = mt[self.mti]
        self.mti += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y * 2.3283064365386963e-10

    def unif_rand(self):
        v = self._genrand()
        if v <= 0.0:
            return 0.5 * 2.328306437080797e-10
        if 1.0 - v <= 0.0:
            return 1.0 - 0.5 * 2.328306437080797e-10
        return v

    def rbinom(self, count, size, prob):
        p = min(prob, 1 - prob)
        q = 1 - p
        assert size * p < 30
        qn = q ** size
        r = p / q
        g = r * (size + 1)
        out = []
        for _ in range(count):
            while True:
                ix = 0
                f = qn
                u = self.unif_rand()
                done = False
                while True:
                    if u < f:
                        done = True
                        break
                    if ix > 110:
                        break
                    u -= f
                    ix += 1
                    f *= (g / ix - r)
                if done:
                    break
            out.append(size - ix if prob > 0.5 else ix)
        return out

    def runif(self, count, lo=0.0, hi=1.0):
        """R's runif(count, lo, hi): lo + (hi - lo) * unif_rand() (R's runif.c)."""
        return [lo + (hi - lo) * self.unif_rand() for _ in range(count)]

    def _rbits(self, bits):
        # R >= 3.6 RNG.c rbits(): 16 bits per unif_rand() draw, then mask
        v = 0
        for _ in range(0, bits + 1, 16):
            v = 65536 * v + int(self.unif_rand() * 65536)
        return v & ((1 << bits) - 1)

    def unif_index(self, dn):
        """R_unif_index(dn) with sample.kind = "Rejection" (R >= 3.6's default)."""
        if dn <= 0:
            return 0
        bits = math.ceil(math.log2(dn))
        while True:
            dv = self._rbits(bits)
            if dv < dn:
                return dv

    def sample_int(self, n, size):
        """R's sample.int(n, size) without replacement (do_sample's partial shuffle), 1-based."""
        x = list(range(n))
        out = []
        for _ in range(size):
            j = self.unif_index(n)
            out.append(x[j] + 1)
            n -= 1
            x[j] = x[n]
        return out

    def sample(self, x, size):
        """R's sample(x, size) for a vector x of length > 1: x[sample.int(length(x), size)]."""
        return [x[k - 1] for k in self.sample_int(len(x), size)]
