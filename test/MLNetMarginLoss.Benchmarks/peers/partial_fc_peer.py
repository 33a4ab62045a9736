"""Peer for `mlnet-margin bench --classes C`: the same many-class job in PyTorch, for side-by-side throughput and memory.

The job: rows with labels drawn uniformly from C classes (unit centre + N(0, 0.4^2 I / d) noise, d = 64), an MLP
64-512-E encoder, ArcFace s = 64, m = 0.5 (insightface's fallback beyond theta + m > pi), SGD with momentum 0.9, lr 0.1,
weight decay 5e-4, batches of 256. With --rate 1 the head is a dense [C, E] parameter (full softmax); with --rate r < 1
it is Partial FC: every class of the batch plus negatives drawn uniformly up to int(r * C) columns (insightface's
partial_fc_v2 sampling: rand + topk), the sampled rows gathered into a leaf tensor and updated lazily with their own
momentum rows (insightface's first Partial FC memory bank), so unsampled rows are untouched, as in the library's Lazy mode.

Usage: python3 partial_fc_peer.py --classes 1000000 --rows 20000 --emb 128 --rate 0.1 --threads 2
Prints one JSON line: samplesPerSecond, epochSeconds, peakRssMB, centresMB (+ momentum) and the settings.
Needs torch (Debian's python3-torch); the library never depends on it.
"""
import argparse, json, math, resource, time
import numpy as np
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--classes", type=int, required=True)
p.add_argument("--rows", type=int, default=20000)
p.add_argument("--emb", type=int, default=128)
p.add_argument("--rate", type=float, default=1.0)
p.add_argument("--batch", type=int, default=256)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.manual_seed(0)
torch.set_num_threads(a.threads)
D, S, M, LR, MOM, WD = 64, 64.0, 0.5, 0.1, 0.9, 5e-4

rng = np.random.default_rng(1)
labels = rng.integers(0, a.classes, size=a.rows)
centres = {}
X = np.empty((a.rows, D), np.float32)
for i, c in enumerate(labels):
    v = centres.get(c)
    if v is None:
        v = np.random.default_rng(1_000_003 + int(c)).standard_normal(D)
        v = v / np.linalg.norm(v)
        centres[c] = v
    X[i] = v + 0.4 / math.sqrt(D) * rng.standard_normal(D)
X = torch.from_numpy(X)
Y = torch.from_numpy(labels.astype(np.int64))

encoder = torch.nn.Sequential(torch.nn.Linear(D, 512), torch.nn.ReLU(), torch.nn.Linear(512, a.emb))
W = torch.empty(a.classes, a.emb)
torch.nn.init.xavier_uniform_(W)
cos_m, sin_m, th, mm = math.cos(M), math.sin(M), math.cos(math.pi - M), math.sin(math.pi - M) * M

def arcface_logits(x, w, y):
    cos = F.linear(F.normalize(x), F.normalize(w)).clamp(-1 + 1e-6, 1 - 1e-6)
    target = cos.gather(1, y[:, None])
    sin = (1 - target * target).clamp_min(0).sqrt()
    phi = torch.where(target > th, target * cos_m - sin * sin_m, target - mm)
    return S * cos.scatter(1, y[:, None], phi)

sampled = a.rate < 1
num_sample = int(a.rate * a.classes)
if sampled:
    momentum = torch.zeros_like(W)  # the memory bank: one momentum row per centre, updated only when sampled
    opt = torch.optim.SGD(encoder.parameters(), lr=LR, momentum=MOM, weight_decay=WD)
else:
    W = torch.nn.Parameter(W)
    opt = torch.optim.SGD(list(encoder.parameters()) + [W], lr=LR, momentum=MOM, weight_decay=WD)

def step(x, y):
    if sampled:
        positive = torch.unique(y, sorted=True)
        if num_sample > positive.numel():
            perm = torch.rand(a.classes)
            perm[positive] = 2.0
            index = torch.topk(perm, k=num_sample)[1].sort()[0]
        else:
            index = positive
        local = torch.searchsorted(index, y)
        w = W[index].requires_grad_(True)
        loss = F.cross_entropy(arcface_logits(encoder(x), w, local), local)
        opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            g = w.grad + WD * w
            buf = momentum[index].mul_(MOM).add_(g)
            momentum[index] = buf
            W[index] = w - LR * buf
    else:
        loss = F.cross_entropy(arcface_logits(encoder(x), W, y), y)
        opt.zero_grad(); loss.backward(); opt.step()
    return loss.item()

batches = [(X[i:i + a.batch], Y[i:i + a.batch]) for i in range(0, a.rows, a.batch) if min(a.batch, a.rows - i) >= 2]
for x, y in batches[:3]:
    step(x, y)  # warm-up
start = time.perf_counter()
for x, y in batches:
    step(x, y)
seconds = time.perf_counter() - start
seen = sum(len(y) for _, y in batches)
centres_mb = a.classes * a.emb * 4 / 1e6
print(json.dumps({
    "peer": "pytorch " + torch.__version__, "classes": a.classes, "sampleRate": a.rate, "embeddingSize": a.emb,
    "samples": seen, "batchSize": a.batch, "threads": a.threads, "epochSeconds": seconds,
    "samplesPerSecond": seen / seconds, "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
    "centresMB": centres_mb, "optimizerStateMB": centres_mb,
}))
