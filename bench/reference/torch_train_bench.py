#!/usr/bin/python3
"""PyTorch reference for `bragg bench train`: the same nets, same batch sizes, Adam (the AiryNet
nets: SGD Nesterov + sigmoid cross-entropy on 11 multi-hot classes, as the seed trains them),
random inputs; median ms per training step. Run with Debian's python3-torch:
    /usr/bin/python3 bench/reference/torch_train_bench.py --net small2d --threads 2 --steps 20
Prints one JSON object (ms_per_step, cpu_ms_per_step: CPU time of all threads, samples_per_s) like `bragg bench train --json`."""
import argparse, json, math, statistics, time
import torch
import torch.nn as nn


def small2d():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)), (1, 64, 64), 16, 10


def phase1d():
    return nn.Sequential(
        nn.Conv1d(1, 64, 6), nn.ReLU(), nn.MaxPool1d(2),
        nn.Conv1d(64, 64, 6), nn.ReLU(), nn.MaxPool1d(2), nn.Dropout(0.5),
        nn.Conv1d(64, 64, 6), nn.ReLU(), nn.MaxPool1d(2),
        nn.Flatten(), nn.Linear(14 * 64, 128), nn.ReLU(), nn.Linear(128, 3)), (1, 147), 64, 3


class Sep(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False),
                         nn.Conv2d(cin, cout, 1, bias=False))


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)


class Block(nn.Module):
    """Keras Xception entry/exit block: [relu] sep-bn-relu-sep-bn, maxpool 3/2 + 1×1/2 residual."""
    def __init__(self, cin, c1, c2, first_relu=True):
        super().__init__()
        self.res = nn.Sequential(nn.Conv2d(cin, c2, 1, stride=2, bias=False), bn(c2))
        self.body = nn.Sequential(*([nn.ReLU()] if first_relu else []), Sep(cin, c1), bn(c1), nn.ReLU(),
                                  Sep(c1, c2), bn(c2), nn.MaxPool2d(3, 2, padding=1))

    def forward(self, x):
        return self.body(x) + self.res(x)


class Middle(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(*[m for _ in range(3) for m in (nn.ReLU(), Sep(728, 728), bn(728))])

    def forward(self, x):
        return self.body(x) + x


def xception():
    net = nn.Sequential(
        nn.Conv2d(3, 32, 3, stride=2, bias=False), bn(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, bias=False), bn(64), nn.ReLU(),
        Block(64, 128, 128, first_relu=False), Block(128, 256, 256), Block(256, 728, 728),
        *[Middle() for _ in range(8)],
        Block(728, 728, 1024),
        Sep(1024, 1536), bn(1536), nn.ReLU(), Sep(1536, 2048), bn(2048), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 10))
    return net, (3, 128, 128), 8, 10


class LogAct(nn.Module):
    """AiryNet's logarithmic first activation, sign(x)·α(ln(|x| + e⁻¹) + 1) + β (α 0.2, β 0)."""
    def __init__(self, alpha=0.2, beta=0.0):
        super().__init__()
        self.alpha, self.beta = alpha, beta

    def forward(self, x):
        return torch.sign(x) * self.alpha * (torch.log(x.abs() + math.exp(-1)) + 1) + self.beta


def bn_act(c):
    return nn.Sequential(nn.BatchNorm2d(c, eps=1e-5, momentum=0.003), nn.LeakyReLU(0.2))


class PreActBlock(nn.Module):
    """ResNet v2 basic block as bragg's airynet-resnet: BN → leaky ReLU → (1×1 projection on the
    first block of a layer) → 3×3/s → BN → leaky ReLU → 3×3, + shortcut; no conv bias."""
    def __init__(self, cin, cout, stride, project):
        super().__init__()
        self.pre = bn_act(cin)
        self.proj = nn.Conv2d(cin, cout, 1, stride, bias=False) if project else None
        self.c1 = nn.Conv2d(cin, cout, 3, stride, padding=1, bias=False)
        self.mid = bn_act(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, padding=1, bias=False)

    def forward(self, x):
        p = self.pre(x)
        s = self.proj(p) if self.proj is not None else x
        return self.c2(self.mid(self.c1(p))) + s


def airynet_resnet18(side):
    layers = [nn.Conv2d(1, 64, 7, 2, padding=3, bias=False), LogAct(), nn.MaxPool2d(3, 2, padding=1)]
    cin = 64
    for i, f in enumerate([64, 128, 256, 512]):
        for k in range(2):
            layers.append(PreActBlock(cin, f, 2 if (k == 0 and i > 0) else 1, k == 0))
            cin = f
    layers += [bn_act(512), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 11)]
    return nn.Sequential(*layers), (1, side, side), 24, 11


def airynet_vgg16(side=224):
    layers, cin, first = [], 1, True
    for f, n in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(n):
            layers += [nn.Conv2d(cin, f, 3, padding=1), LogAct() if first else nn.LeakyReLU(0.1)]
            cin, first = f, False
        layers.append(nn.MaxPool2d(2, 2))
    fm = side // 32
    layers += [nn.Conv2d(512, 4096, 7, padding=0 if fm >= 7 else 3), nn.LeakyReLU(0.1), nn.Dropout(0.5),
               nn.Conv2d(4096, 4096, 1), nn.LeakyReLU(0.1), nn.Dropout(0.5),
               nn.AdaptiveAvgPool2d(1), nn.Conv2d(4096, 11, 1), nn.Flatten()]
    return nn.Sequential(*layers), (1, side, side), 24, 11


class PeaksUnet(nn.Module):
    """bragg's peaks-unet (src/workflows/peaks/models/unet.ts): per level 2 × [conv3×3 'same' →
    ReLU] with filters·2^level, max-pool 2; bottom 2 convs; up: nearest ×2, concatenate
    [upsampled, skip], 2 convs; a 1×1 conv to 2 sigmoid maps (foreground, interior)."""
    def __init__(self, filters=8, levels=2):
        super().__init__()
        conv = lambda cin, cout: nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU())
        self.down, cin = nn.ModuleList(), 1
        for l in range(levels):
            self.down.append(nn.Sequential(conv(cin, filters << l), conv(filters << l, filters << l)))
            cin = filters << l
        self.bottom = nn.Sequential(conv(cin, filters << levels), conv(filters << levels, filters << levels))
        self.up, cin = nn.ModuleList(), filters << levels
        for l in range(levels - 1, -1, -1):
            self.up.append(nn.Sequential(conv(cin + (filters << l), filters << l), conv(filters << l, filters << l)))
            cin = filters << l
        self.out = nn.Conv2d(cin, 2, 1)

    def forward(self, x):
        skips = []
        for d in self.down:
            x = d(x)
            skips.append(x)
            x = nn.functional.max_pool2d(x, 2)
        x = self.bottom(x)
        for u in self.up:
            x = nn.functional.interpolate(x, scale_factor=2, mode='nearest')
            x = u(torch.cat([x, skips.pop()], 1))
        return torch.sigmoid(self.out(x))


class PacbedCompact(nn.Module):
    """bragg's pacbed-compact (src/workflows/pacbed/models/compact.ts): the packed input (size² pattern
    values + the convergence angle) split; 4 × [conv3×3 'same' (16·2^b, no bias) → BN → ReLU → max-pool 2];
    global average pool → dense(128) ReLU → dropout 0.3 → ⊕ angle → dense(64) ReLU → classes."""
    def __init__(self, size=64, classes=15, filters=16, blocks=4, dense=128):
        super().__init__()
        self.size, layers, cin = size, [], 1
        for b in range(blocks):
            f = filters << b
            layers += [nn.Conv2d(cin, f, 3, padding=1, bias=False), nn.BatchNorm2d(f, eps=1e-3, momentum=0.1),
                       nn.ReLU(), nn.MaxPool2d(2)]
            cin = f
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                      nn.Linear(cin, dense), nn.ReLU(), nn.Dropout(0.3))
        self.head = nn.Sequential(nn.Linear(dense + 1, dense // 2), nn.ReLU(), nn.Linear(dense // 2, classes))

    def forward(self, x):
        n = self.size * self.size
        img, angle = x[:, :n].reshape(-1, 1, self.size, self.size), x[:, n:]
        return self.head(torch.cat([self.features(img), angle], 1))


class PacbedXception(nn.Module):
    """bragg's pacbed-xception (the seed's network): the packed input split, the pattern as RGB
    through Keras' Xception (no top, average pooling), dense(512) ReLU + dropout 0.3 twice,
    ⊕ angle, classes."""
    def __init__(self, size=128, classes=15):
        super().__init__()
        self.size = size
        base, _, _, _ = xception()
        self.base = nn.Sequential(*list(base.children())[:-1])  # without the 10-class Linear
        self.head = nn.Sequential(nn.Linear(2048, 512), nn.ReLU(), nn.Dropout(0.3),
                                  nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.3))
        self.out = nn.Linear(513, classes)

    def forward(self, x):
        n = self.size * self.size
        img = x[:, :n].reshape(-1, 1, self.size, self.size).expand(-1, 3, -1, -1)
        return self.out(torch.cat([self.head(self.base(img)), x[:, n:]], 1))


NETS = {'small2d': small2d, 'phase1d': phase1d, 'xception': xception,
        'airynet-resnet18-64': lambda: airynet_resnet18(64),
        'airynet-resnet18-224': lambda: airynet_resnet18(224),
        'airynet-vgg16-224': lambda: airynet_vgg16(224),
        'peaks-unet-64': lambda: (PeaksUnet(), (1, 64, 64), 8, None),
        'pacbed-compact-64': lambda: (PacbedCompact(64), (64 * 64 + 1,), 16, 15),
        'pacbed-xception-128': lambda: (PacbedXception(128), (128 * 128 + 1,), 8, 15)}
# AiryNet nets train as the seed does: multi-label sigmoid cross-entropy, SGD Nesterov 0.9
MULTILABEL = {n for n in NETS if n.startswith('airynet-')}

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--net', required=True, choices=NETS)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--threads', type=int, default=torch.get_num_threads())
    p.add_argument('--batch-size', type=int)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net, shape, batch, k = NETS[a.net]()
    batch = a.batch_size or batch
    x = torch.randn(batch, *shape)
    if a.net.startswith('peaks-unet'):
        # as `bragg peaks train`: Adam 1e-3, per-pixel binary cross-entropy on the two maps
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        y = (torch.rand(batch, 2, *shape[1:]) < 0.3).float()
        loss_fn = nn.BCELoss()
    elif a.net in MULTILABEL:
        opt = torch.optim.SGD(net.parameters(), lr=0.1 * batch / 128, momentum=0.9, nesterov=True)
        y = (torch.rand(batch, k) < 0.3).float()
        # the model's sigmoid output + binary cross-entropy, as bragg computes it
        bce = nn.BCELoss()
        loss_fn = lambda out, t: bce(torch.sigmoid(out), t)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        y = torch.randint(0, k, (batch,))
        loss_fn = nn.CrossEntropyLoss()
    times, cpu = [], []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        c0 = time.process_time()
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    med = statistics.median(times)
    print(json.dumps({'net': a.net, 'backend': 'pytorch ' + torch.__version__, 'threads': a.threads,
                      'batch_size': batch, 'steps': a.steps, 'ms_per_step': med,
                      'cpu_ms_per_step': statistics.median(cpu),
                      'samples_per_s': 1000 * batch / med, 'final_loss': loss.item()}))
