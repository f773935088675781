"""iotlab_board: Python (stdlib only) client of the iotlab virtual MCU board (docs/board.md).

Every method is one request/response over TCP. A non-OK board status raises BoardError (I2C
address/data NACKs raise NackError, a subclass), with the board's message.

    request : u16 length | u16 txid | u8 op     | args      (big-endian; length counts txid..end)
    response: u16 length | u16 txid | u8 status | payload
"""
import os
import socket
import struct

INPUT, OUTPUT, INPUT_PULLUP, INPUT_PULLDOWN, ANALOG, PWM = range(6)
FALLING, RISING, EITHER = range(3)

STATUS = {
    0: "OK", 1: "ADDR_NACK", 2: "DATA_NACK", 16: "MALFORMED", 17: "UNKNOWN_OP", 18: "BAD_ARG",
    19: "WRONG_MODE", 20: "NOT_WIRED", 21: "TOO_LONG", 22: "BOARD_BUSY", 23: "INTERNAL",
}
MAX_DATA = 1024


class BoardError(Exception):
    def __init__(self, status, message):
        super().__init__(f"{STATUS.get(status, status)}: {message}")
        self.status = status
        self.message = message


class NackError(BoardError):
    pass


class Board:
    def __init__(self, host=None, port=None, timeout=70.0):
        if host is None:
            env = os.environ.get("IOTLAB_BOARD")
            if not env or ":" not in env:
                raise BoardError(-1, "set IOTLAB_BOARD=host:port (see the lab card)")
            host, _, p = env.rpartition(":")
            port = int(p)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.txid = 0

    def close(self):
        """Ends the session and waits until the board lets go, so the next client is not busy."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
            while self.sock.recv(4096):
                pass
        except OSError:
            pass
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("the board closed the connection")
            data += chunk
        return data

    def call(self, op, args=b""):
        self.txid = (self.txid + 1) & 0xFFFF
        self.sock.sendall(struct.pack(">HHB", 3 + len(args), self.txid, op) + args)
        length, txid, status = struct.unpack(">HHB", self._recv(5))
        if length < 3:
            raise ConnectionError(f"bad answer length {length}")
        payload = self._recv(length - 3)
        if status != 0:
            cls = NackError if status in (1, 2) else BoardError
            raise cls(status, payload.decode("utf-8", "replace"))
        if txid != self.txid:
            raise ConnectionError(f"answer to request {txid}, expected {self.txid}")
        return payload

    def info(self):
        return self.call(0x00).decode()

    def pin_mode(self, pin, mode):
        self.call(0x01, struct.pack(">BB", pin, mode))

    def pin_read(self, pin):
        return self.call(0x02, struct.pack(">B", pin))[0]

    def pin_write(self, pin, level):
        self.call(0x03, struct.pack(">BB", pin, 1 if level else 0))

    def pin_wait(self, pin, edge, timeout_ms):
        """Waits for an edge (FALLING, RISING, EITHER) like an interrupt: (fired, level, t_ms)."""
        return struct.unpack(">BBI", self.call(0x06, struct.pack(">BBH", pin, edge, timeout_ms)))

    def adc_read(self, pin):
        return struct.unpack(">H", self.call(0x04, struct.pack(">B", pin)))[0]

    def pwm_set(self, pin, freq_hz, duty):
        """duty in hundredths of a percent, 0..10000."""
        self.call(0x05, struct.pack(">BIH", pin, freq_hz, duty))

    def i2c_transfer(self, address, out=b"", nin=0):
        out = bytes(out)
        return self.call(0x10, struct.pack(">BH", address, len(out)) + out + struct.pack(">H", nin))

    def i2c_write(self, address, out):
        self.i2c_transfer(address, out, 0)

    def i2c_read(self, address, n):
        return self.i2c_transfer(address, b"", n)

    def spi_transfer(self, cs, out):
        out = bytes(out)
        return self.call(0x20, struct.pack(">BH", cs, len(out)) + out)

    def uart_write(self, port, data):
        data = bytes(data)
        self.call(0x30, struct.pack(">BH", port, len(data)) + data)

    def uart_read(self, port, max_bytes, timeout_ms):
        return self.call(0x31, struct.pack(">BHH", port, max_bytes, timeout_ms))

    def delay(self, ms):
        self.call(0x40, struct.pack(">I", ms))

    def millis(self):
        return struct.unpack(">I", self.call(0x41))[0]
