#!/usr/bin/python3
"""PyTorch reference for `bragg bench train`: the same three nets, same batch sizes, Adam,
random inputs; median ms per training step. Run with Debian's python3-torch:
    /usr/bin/python3 bench/reference/torch_train_bench.py --net small2d --threads 2 --steps 20
Prints one JSON object (ms_per_step, cpu_ms_per_step: CPU time of all threads, samples_per_s) like `bragg bench train --json`."""
import argparse, json, statistics, time
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


NETS = {'small2d': small2d, 'phase1d': phase1d, 'xception': xception}

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--net', required=True, choices=NETS)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--threads', type=int, default=torch.get_num_threads())
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net, shape, batch, k = NETS[a.net]()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(batch, *shape)
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
