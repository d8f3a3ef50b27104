# The ping part of the original system's udp_server.py (the branch of its broadcast thread that answers pings):
# a blocking UDP socket, recvfrom, and "ping" answered with b"ping" to the sender only.
# Differences, for tests: it binds the address given on the command line (port 0 = any free port) and prints
# "listening <ip>:<port>" once bound; it runs until killed.
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 12345

server_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server_socket.bind((host, port))
print(f"listening {server_socket.getsockname()[0]}:{server_socket.getsockname()[1]}", flush=True)

while True:
    message, addr = server_socket.recvfrom(1024)
    # The original decodes every message; a probe of another format would make it raise, so be lenient here.
    if message.decode(errors="replace") == "ping":
        server_socket.sendto(b"ping", addr)
