"""A candidate-style Modbus RTU master, used by serial-modbus-rtu.test.ts.

pymodbus 3.0 (Debian's python3-pymodbus, 3.0.0rc1) is the master; 3.0 dropped the 2.x
`method='rtu'` argument, the RTU framer is passed as a class (`framer=ModbusRtuFramer`):
  * pty:  ModbusSerialClient(port=PATH, framer=ModbusRtuFramer, baudrate=..., ...) — the way a
          program opens /dev/ttyUSB0; pyserial underneath;
  * tcp:  ModbusTcpClient(host, port, framer=ModbusRtuFramer) — RTU frames over a raw TCP
          socket, as through a serial-to-Ethernet converter (ser2net, a Moxa NPort).
Reads input registers (function 0x04) in the order given and prints one JSON document: per
read the registers, or the exception code, or the error pymodbus reported (a timeout), and how
long it took.

Usage:
  /usr/bin/python3 serial_modbus_rtu.py pty PATH BAUD DATABITS PARITY STOPBITS READS_JSON
  /usr/bin/python3 serial_modbus_rtu.py tcp HOST PORT READS_JSON
READS_JSON: [{"unit": 213, "address": 760, "count": 1}, ...]
"""

import json
import sys
import time

import pymodbus
import serial
from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.framer.rtu_framer import ModbusRtuFramer

# pymodbus 3.0 casts the timeout to int: 1 s is the shortest there is.
TIMEOUT_S = 1
PARITY = {"none": "N", "even": "E", "odd": "O"}


def client_for(argv):
    if argv[0] == "pty":
        path, baud, data_bits, parity, stop_bits = argv[1:6]
        client = ModbusSerialClient(
            port=path,
            framer=ModbusRtuFramer,
            baudrate=int(baud),
            bytesize=int(data_bits),
            parity=PARITY[parity],
            stopbits=int(stop_bits),
            timeout=TIMEOUT_S,
            retries=0,
        )
        return client, argv[6]
    if argv[0] == "tcp":
        host, port = argv[1:3]
        client = ModbusTcpClient(
            host, port=int(port), framer=ModbusRtuFramer, timeout=TIMEOUT_S, retries=0
        )
        return client, argv[3]
    raise SystemExit("first argument must be pty or tcp, got " + argv[0])


def read(client, unit, address, count):
    started = time.monotonic()
    out = {"unit": unit, "address": address, "count": count}
    try:
        rr = client.read_input_registers(address, count, slave=unit)
    except Exception as err:  # pymodbus raises some I/O errors and returns others
        out["error"] = type(err).__name__ + ": " + str(err)
    else:
        if rr.isError():
            out["error"] = str(rr)
            code = getattr(rr, "exception_code", None)
            if code is not None:
                out["exception"] = code
        else:
            out["registers"] = list(rr.registers)
    out["ms"] = round((time.monotonic() - started) * 1000, 1)
    return out


def main():
    client, reads_json = client_for(sys.argv[1:])
    if not client.connect():
        raise SystemExit("cannot open " + " ".join(sys.argv[1:-1]))
    try:
        reads = [read(client, r["unit"], r["address"], r["count"]) for r in json.loads(reads_json)]
    finally:
        client.close()
    result = {
        "versions": {
            "python": sys.version.split()[0],
            "pymodbus": pymodbus.__version__,
            "pyserial": serial.__version__,
        },
        "reads": reads,
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
