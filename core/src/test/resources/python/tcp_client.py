"""The original tcp_client.py, adapted for tests: host and port from argv, messages from stdin lines.

As the original: connects, prints "Conectado ao servidor.", sends each message as raw text with NO newline,
prints every recv(1024) as it comes, and on "/sair" closes the socket and exits. stdout is flushed per print.
Usage: python3 tcp_client.py HOST PORT
"""
import socket
import sys
import threading


def receive_messages(client_socket):
    while True:
        try:
            message = client_socket.recv(1024).decode()  # Recebe mensagens do servidor
        except OSError:
            print("Desconectado do servidor.", flush=True)
            break
        if not message:  # the original looped on the empty reads; a closed connection ends here
            print("Desconectado do servidor.", flush=True)
            break
        print(message, flush=True)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client_socket.connect((host, port))
    print("Conectado ao servidor.", flush=True)

    thread = threading.Thread(target=receive_messages, args=(client_socket,), daemon=True)
    thread.start()

    for line in sys.stdin:
        message = line.rstrip("\r\n")
        if message == "/sair":
            break
        client_socket.send(message.encode())
    client_socket.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
