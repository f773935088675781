"""Read an SHT3x temperature/humidity sensor over I2C with CRC check (iotlab board, Python HAL).

Usage: IOTLAB_BOARD=host:port python3 sht3x.py [address, e.g. 0x44 -- see the lab card]
Single shot, high repeatability, no clock stretching (0x2400): wait 15 ms, then read 6 bytes.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from iotlab_board import Board  # noqa: E402


def crc8(data):
    """CRC-8, polynomial 0x31, init 0xFF (SHT3x datasheet, checksum calculation)."""
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x31) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def main():
    address = int(sys.argv[1], 0) if len(sys.argv) > 1 else 0x44
    with Board() as b:
        b.i2c_write(address, [0x24, 0x00])
        b.delay(20)
        data = b.i2c_read(address, 6)
    if crc8(data[0:2]) != data[2] or crc8(data[3:5]) != data[5]:
        print("CRC mismatch", file=sys.stderr)
        sys.exit(2)
    t = -45 + 175 * ((data[0] << 8) | data[1]) / 65535
    rh = 100 * ((data[3] << 8) | data[4]) / 65535
    print(f"temperature={t:.2f} C humidity={rh:.2f} %RH")


if __name__ == "__main__":
    main()
