"""The original udp_client.py, adapted for tests: server host and port from argv, messages from stdin lines.

As the original: binds 127.0.0.1 on a port in 8000-9000 (a free one: retried on EADDRINUSE, where the original
picked one at random and hoped), announces itself with "Novo participante no chat.", sends each message as one
datagram, prints every datagram received. "/sair" is sent to the server, then the client exits.
Before announcing it prints "bound <port>" so a test knows its address.
Usage: python3 udp_client.py HOST PORT
"""
import errno
import random
import socket
import sys
import threading


def bind_in_range(client):
    ports = list(range(8000, 9001))
    random.shuffle(ports)
    for port in ports:
        try:
            client.bind(("127.0.0.1", port))
            return port
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise
    sys.exit("no free UDP port in 8000-9000")


def receive_messages(client):
    while True:
        try:
            message, _ = client.recvfrom(1024)
            print(message.decode(), flush=True)
        except OSError:
            print("Erro ao receber mensagem.", flush=True)
            break


def main():
    server = (sys.argv[1], int(sys.argv[2]))
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    port = bind_in_range(client)
    print(f"bound {port}", flush=True)

    t1 = threading.Thread(target=receive_messages, args=(client,), daemon=True)
    t1.start()
    client.sendto("Novo participante no chat.".encode(), server)

    for line in sys.stdin:
        message = line.rstrip("\r\n")
        client.sendto(message.encode(), server)
        if message == "/sair":
            break
    sys.exit(0)


if __name__ == "__main__":
    main()
