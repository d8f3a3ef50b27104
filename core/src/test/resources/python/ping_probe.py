"""The original monitor's probe, without the e-mail: sends a bare b"ping" over UDP and waits (2 s) for the reply.

Prints one line per probe: "reply=<text> latency_ms=<ms> <status>" (status as the original: Normal, Lenta,
Muito Lenta) or "Conexao Inativa." on a timeout. Exit status 0 if every probe got "ping" back, 1 otherwise.
Usage: python3 ping_probe.py HOST PORT [COUNT]
"""
import socket
import sys
import time

TIMEOUT = 2
LATENCY_NORMAL = 100
LATENCY_SLOW = 300


def main():
    target = (sys.argv[1], int(sys.argv[2]))
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    ok = True
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp_socket:
        udp_socket.settimeout(TIMEOUT)
        for _ in range(count):
            try:
                start_time = time.time()
                udp_socket.sendto(b"ping", target)
                reply, _ = udp_socket.recvfrom(1024)
                latency = (time.time() - start_time) * 1000  # Em milissegundos
                if latency < LATENCY_NORMAL:
                    status = "Normal"
                elif latency < LATENCY_SLOW:
                    status = "Lenta"
                else:
                    status = "Muito Lenta"
                print(f"reply={reply.decode()} latency_ms={latency:.2f} {status}", flush=True)
                ok = ok and reply == b"ping"
            except socket.timeout:
                print("Conexao Inativa.", flush=True)
                ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
