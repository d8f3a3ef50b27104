#!/usr/bin/env python3
"""Heap after GC and RSS per connection of the chat server jar, idle and holding a 1-byte partial line.

Usage: python3 benchmarks/half_line_memory.py [CONNECTIONS]   (default 2000; needs jcmd on PATH and
ulimit -n above the count). Starts examples/target/loopwire.jar server twice (default --max-frame, then 16MiB),
opens the connections from this process, and reads the server's heap (jcmd GC.run + GC.heap_info, Serial GC)
and VmRSS before, with the connections idle, and with each holding one byte without a newline.
"""
import re
import socket
import subprocess
import sys
import time

JAR = 'examples/target/loopwire.jar'
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000


def rss(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS'):
                return int(line.split()[1]) * 1024
    raise RuntimeError('no VmRSS')


def heap(pid):
    subprocess.run(['jcmd', str(pid), 'GC.run'], capture_output=True, check=True)
    time.sleep(0.5)
    out = subprocess.run(['jcmd', str(pid), 'GC.heap_info'], capture_output=True, text=True, check=True).stdout
    return sum(int(re.search(r'used (\d+)K', l).group(1)) for l in out.splitlines() if 'generation' in l) * 1024


for extra in ([], ['--max-frame', '16MiB']):
    server = subprocess.Popen(['java', '-XX:+UseSerialGC', '-jar', JAR, 'server', '--tcp-port', '0',
                               '--udp-port', '0'] + extra, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(re.search(r'tcp=[^ ]*:(\d+)', server.stdout.readline()).group(1))
        time.sleep(1)
        heap0, rss0 = heap(server.pid), rss(server.pid)
        clients = [socket.create_connection(('127.0.0.1', port)) for _ in range(N)]
        time.sleep(2)
        heap1, rss1 = heap(server.pid), rss(server.pid)
        for c in clients:
            c.send(b'x')
        time.sleep(2)
        heap2, rss2 = heap(server.pid), rss(server.pid)
        print(f"{' '.join(extra) or 'default --max-frame'}, {N} connections: idle heap {(heap1 - heap0) / N:.0f} B,"
              f" RSS {(rss1 - rss0) / N:.0f} B per connection; holding 1 byte: heap {(heap2 - heap0) / N:.0f} B,"
              f" RSS {(rss2 - rss0) / N:.0f} B per connection")
        for c in clients:
            c.close()
    finally:
        server.terminate()
        server.wait(10)
