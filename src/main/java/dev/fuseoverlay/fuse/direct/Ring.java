package dev.fuseoverlay.fuse.direct;

import static dev.fuseoverlay.realfs.Native.C;

import dev.fuseoverlay.realfs.Errno;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.Stat;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * FUSE over io_uring (Linux 6.14+, {@code -o uring=on}, and {@code /sys/module/fuse/parameters/enable_uring}):
 * one queue per possible CPU, each served by a thread pinned to that CPU with an io_uring of its own. The
 * kernel puts a request on the queue of the CPU its caller runs on, so it is answered there, next to the
 * caller, instead of by whichever worker the scheduler woke (on a 2-CPU VM a round trip across CPUs costs
 * 40-50 us more). The layout is the kernel's uapi (include/uapi/linux/fuse.h, io_uring.h, x86_64): each entry
 * registers a header buffer (the request's fuse_in_header, then its op header, then fuse_uring_ent_in_out)
 * and a payload buffer (names, data) with FUSE_IO_URING_CMD_REGISTER; a request arrives as that command's
 * completion, and its reply goes back in the same buffers with FUSE_IO_URING_CMD_COMMIT_AND_FETCH, which
 * also waits for the next request. FORGET and INTERRUPT still come through read(2) of /dev/fuse (the
 * kernel's choice), so the engine's readers stay.
 *
 * <p>With {@code uring=rt} the queue threads run SCHED_FIFO 1. The caller wakes its queue's thread and then
 * waits for the answer, and the scheduler (EEVDF, Linux 6.6+) picks what runs next on that CPU; a thread that
 * has just run is slightly behind its fair share and can lose that pick to a busy loop of idle priority,
 * which then keeps the CPU until the next tick (measured: 154 waits of 3.1-3.3 ms, the rest of a 4 ms tick,
 * in 200 copy-ups). A thread that cannot move to another CPU has nowhere else to go; at real-time priority it
 * runs at once.
 */
final class Ring {
    private static final int DEPTH = 4;
    private static final int SYS_IO_URING_SETUP = 425, SYS_IO_URING_ENTER = 426;
    private static final int SETUP_CQSIZE = 1 << 3, SETUP_SUBMIT_ALL = 1 << 7, SETUP_SQE128 = 1 << 10;
    private static final int FEAT_SINGLE_MMAP = 1;
    private static final long OFF_SQ_RING = 0, OFF_CQ_RING = 0x8000000L, OFF_SQES = 0x10000000L;
    private static final int ENTER_GETEVENTS = 1, OP_URING_CMD = 46, SQE = 128, CQE = 16;
    private static final int CMD_REGISTER = 1, CMD_COMMIT_AND_FETCH = 2;
    private static final int PROT_RW = 0x3, MAP_SHARED_POPULATE = 0x01 | 0x8000;
    private static final int SCHED_FIFO = 1, SCHED_RESET_ON_FORK = 0x40000000;
    /** fuse_uring_req_header: in_out[128] (fuse_in_header / fuse_out_header), op_in[128], ent_in_out. */
    private static final int OP_IN = 128, ENT_IN_OUT = 256, HEADER = 288;
    /** Room before the payload where a request is made whole again: its fuse_in_header and op header. */
    private static final int GAP = 256;

    private final DevFuse fuse;
    private final int dev;
    private final int payload;
    private final PrintStream debug;
    /** uring=rt: the queue threads ask for SCHED_FIFO 1; the first refusal is said once. */
    private final boolean realtime;
    private final AtomicBoolean realtimeRefused = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    /** Counted down by each queue once its io_uring and buffers are ready (or failed: {@link #failed}). */
    private final CountDownLatch prepared;
    private final CountDownLatch go = new CountDownLatch(1);
    private volatile boolean failed, cancelled;
    /** Ends the connection when a queue breaks after INIT promised the kernel queues (its requests wait for them). */
    private final Runnable abort;

    private Ring(DevFuse fuse, int dev, int payload, boolean realtime, PrintStream debug, int queues, Runnable abort) {
        this.fuse = fuse;
        this.dev = dev;
        this.payload = payload;
        this.realtime = realtime;
        this.debug = debug;
        this.prepared = new CountDownLatch(queues);
        this.abort = abort;
    }

    /**
     * Sets up a queue for every possible CPU (the kernel wants them all before it uses any), each on a thread
     * pinned to its CPU, before the INIT reply promises them: once it has, the kernel holds every request
     * until all queues have registered. Returns null (the reason printed) if any queue could not be set up.
     */
    static Ring prepare(DevFuse fuse, int dev, int payload, boolean realtime, PrintStream debug, Runnable abort) {
        int cpus = possibleCpus();
        if (cpus < 1) {
            System.err.println("fuse-overlay: io_uring: cannot read /sys/devices/system/cpu/possible (how many queues the kernel has)");
            return null;
        }
        Ring r = new Ring(fuse, dev, payload, realtime, debug, cpus, abort);
        for (int q = 0; q < cpus; q++) {
            int qid = q;
            Thread t = new Thread(() -> r.serve(qid), "devfuse-ring-" + q);
            t.setDaemon(true);
            r.threads.add(t);
            t.start();
        }
        try {
            if (!r.prepared.await(5, TimeUnit.SECONDS)) {
                r.failed = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r.failed = true;
        }
        if (r.failed) {
            r.cancelled = true;
            r.go.countDown();
            return null;
        }
        return r;
    }

    /** The INIT reply is with the kernel: the queues register their entries and start answering. */
    void go() {
        go.countDown();
    }

    /** Waits for the queue threads (their entries end with the connection; a second each at most). */
    void join() throws InterruptedException {
        for (Thread t : threads) {
            t.join(1000);
        }
    }

    /**
     * The kernel makes one queue per possible CPU (/sys/devices/system/cpu/possible, e.g. "0-1"); -1 if that
     * cannot be read: registering fewer queues than the kernel has would leave every request waiting.
     */
    static int possibleCpus() {
        try {
            String s = Files.readString(Paths.get("/sys/devices/system/cpu/possible")).trim();
            int max = 0;
            for (String part : s.split(",")) {
                String[] ab = part.split("-");
                max = Math.max(max, Integer.parseInt(ab[ab.length - 1].trim()));
            }
            return max + 1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** One queue: its io_uring, DEPTH registered entries, and the loop that answers their requests. */
    private void serve(int qid) {
        Pointer mask = Memory.allocateDirect(Native.RUNTIME, 128, true);
        mask.putByte(qid / 8, (byte) (1 << (qid % 8)));
        C.sched_setaffinity(0, 128, mask); // where not allowed (a cpuset), the queue still works, unpinned
        if (realtime) {
            Pointer param = Memory.allocateDirect(Native.RUNTIME, 4, true);
            param.putInt(0, 1); // sched_priority: the lowest real-time one
            if (C.sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, param) != 0) {
                int e = Native.errno();
                if (realtimeRefused.compareAndSet(false, true)) {
                    System.err.println("fuse-overlay: uring=rt: the queues stay at normal priority: sched_setscheduler: "
                            + Native.strerror(e) + " (needs CAP_SYS_NICE or an RLIMIT_RTPRIO)");
                }
            }
        }
        Pointer params = Memory.allocateDirect(Native.RUNTIME, 120, true);
        params.putInt(4, DEPTH * 2);                          // cq_entries
        params.putInt(8, SETUP_SQE128 | SETUP_CQSIZE | SETUP_SUBMIT_ALL);
        int ring = (int) C.syscall(SYS_IO_URING_SETUP, DEPTH, params);
        if (ring < 0) {
            setupFailed(qid, "io_uring_setup", Native.errno());
            return;
        }
        try {
            loop(qid, ring, params);
        } finally {
            C.close(ring);
        }
    }

    private void loop(int qid, int ring, Pointer p) {
        int sqEntries = p.getInt(0), cqEntries = p.getInt(4);
        long sqSize = p.getInt(40 + 24) + 4L * sqEntries;     // sq_off.array + sq_entries * u32
        long cqSize = p.getInt(80 + 20) + (long) CQE * cqEntries; // cq_off.cqes + cq_entries * cqe
        boolean single = (p.getInt(20) & FEAT_SINGLE_MMAP) != 0;
        if (single) {
            sqSize = cqSize = Math.max(sqSize, cqSize);
        }
        Pointer sq = map(sqSize, ring, OFF_SQ_RING);
        Pointer cq = single || sq == null ? sq : map(cqSize, ring, OFF_CQ_RING);
        Pointer sqes = sq == null || cq == null ? null : map((long) SQE * sqEntries, ring, OFF_SQES);
        if (sqes == null) {
            int err = Native.errno();
            if (cq != null && cq != sq) {
                C.munmap(cq, cqSize);
            }
            if (sq != null) {
                C.munmap(sq, sqSize);
            }
            setupFailed(qid, "mmap of the io_uring", err);
            return;
        }
        try {
            run(qid, ring, p, sq, cq, sqes);
        } finally {
            C.munmap(sqes, (long) SQE * sqEntries);
            if (!single) {
                C.munmap(cq, cqSize);
            }
            C.munmap(sq, sqSize);
        }
    }

    private static Pointer map(long size, int ring, long offset) {
        Pointer p = C.mmap(null, size, PROT_RW, MAP_SHARED_POPULATE, ring, offset);
        return p == null || p.address() == -1 ? null : p;
    }

    private void run(int qid, int ring, Pointer p, Pointer sqRing, Pointer cqRing, Pointer sqe) {
        int sqTailOff = p.getInt(40 + 4), sqMask = sqRing.getInt(p.getInt(40 + 8)), sqArray = p.getInt(40 + 24);
        int cqHeadOff = p.getInt(80), cqTailOff = p.getInt(80 + 4), cqMask = cqRing.getInt(p.getInt(80 + 8));
        int cqes = p.getInt(80 + 20);
        int sqHeadOff = p.getInt(40);

        Pointer[] headers = new Pointer[DEPTH], regions = new Pointer[DEPTH];
        Pointer iovs = Memory.allocateDirect(Native.RUNTIME, 32 * DEPTH, true);
        for (int e = 0; e < DEPTH; e++) {
            headers[e] = Memory.allocateDirect(Native.RUNTIME, 4096, true);
            regions[e] = Memory.allocateDirect(Native.RUNTIME, GAP + payload, false);
            iovs.putLong(32 * e, headers[e].address());
            iovs.putLong(32 * e + 8, HEADER);
            iovs.putLong(32 * e + 16, regions[e].address() + GAP);
            iovs.putLong(32 * e + 24, payload);
        }
        Pointer out = Memory.allocateDirect(Native.RUNTIME, DevFuse.BUFFER, false);
        Pointer st = Memory.allocateDirect(Native.RUNTIME, Stat.SIZE + 16, true);
        long[] commit = new long[DEPTH];
        int[] lastCmd = new int[DEPTH];

        prepared.countDown();
        try {
            go.await();
        } catch (InterruptedException e) {
            return;
        }
        if (cancelled) {
            return;
        }
        int tail = sqRing.getInt(sqTailOff);
        for (int e = 0; e < DEPTH; e++) {
            lastCmd[e] = CMD_REGISTER;
            tail = queue(sqe, sqRing, sqArray, sqMask, tail, e, CMD_REGISTER, qid, 0, iovs.address() + 32L * e);
        }
        VarHandle.releaseFence();
        sqRing.putInt(sqTailOff, tail);
        int head = cqRing.getInt(cqHeadOff);
        while (true) {
            int pending = tail - sqRing.getInt(sqHeadOff);
            long r = C.syscall(SYS_IO_URING_ENTER, ring, pending, 1, ENTER_GETEVENTS, 0L, 0L);
            int err = r < 0 ? Native.errno() : 0;
            if (err != 0 && err != Errno.EINTR && err != Errno.EAGAIN) {
                fail(qid, "io_uring_enter", err);
                abort.run();
                return;
            }
            int cqTail = cqRing.getInt(cqTailOff);
            VarHandle.acquireFence();
            while (head != cqTail) {
                long at = cqes + (long) CQE * (head & cqMask);
                int e = (int) cqRing.getLong(at);
                int res = cqRing.getInt(at + 8);
                head++;
                if (res == -Errno.EINTR || res == -Errno.EAGAIN) {
                    tail = queue(sqe, sqRing, sqArray, sqMask, tail, e, lastCmd[e], qid, commit[e], iovs.address() + 32L * e);
                    continue;
                }
                if (res < 0) {
                    if (res != -Errno.ENOTCONN && res != -Errno.ENODEV && res != -Errno.ECANCELED) {
                        fail(qid, lastCmd[e] == CMD_REGISTER ? "registering with the kernel" : "a reply", -res);
                        abort.run(); // a queue short: the kernel would hold requests for it forever
                    }
                    return; // unmounted: the kernel ends every entry
                }
                try {
                    commit[e] = answer(headers[e], regions[e], out, st);
                } catch (RuntimeException | Error x) { // the engine's barrier caught what a request threw: this is ours
                    fail(qid, "answering a request: " + x, Errno.EIO);
                    abort.run();
                    return;
                }
                lastCmd[e] = CMD_COMMIT_AND_FETCH;
                tail = queue(sqe, sqRing, sqArray, sqMask, tail, e, CMD_COMMIT_AND_FETCH, qid, commit[e], 0);
            }
            VarHandle.releaseFence();
            cqRing.putInt(cqHeadOff, head);
            sqRing.putInt(sqTailOff, tail);
        }
    }

    /**
     * Answers the request in entry {@code e}: copies its headers in front of its payload (so the engine sees
     * it whole, as read(2) gives it), lets the engine answer, and puts the reply where the kernel takes it.
     * Returns the commit id to send back.
     */
    private long answer(Pointer header, Pointer region, Pointer out, Pointer st) {
        long commit = header.getLong(ENT_IN_OUT + 8);
        int payloadSize = header.getInt(ENT_IN_OUT + 16);
        int len = header.getInt(0);
        int op = len - Wire.IN_HEADER - payloadSize; // the op header's size: the rest of the request's length
        int n;
        if (op < 0 || op > GAP - Wire.IN_HEADER || payloadSize < 0 || payloadSize > payload) {
            n = Wire.OUT_HEADER; // not a request as the uapi lays it out: an error, and the entry goes on
            Wire.outHeader(out, header.getLong(Wire.IN_UNIQUE), -Errno.EIO, 0);
        } else {
            int start = GAP - op - Wire.IN_HEADER;
            header.transferTo(0, region, start, Wire.IN_HEADER);
            if (op > 0) {
                header.transferTo(OP_IN, region, GAP - op, op);
            }
            n = fuse.handle(region.slice(start), len, out, st);
        }
        if (n == DevFuse.NO_REPLY) { // not sent this way (FORGET); the entry still needs its commit
            Wire.outHeader(out, header.getLong(Wire.IN_UNIQUE), 0, 0);
            n = Wire.OUT_HEADER;
        }
        if (n - Wire.OUT_HEADER > payload) {
            Wire.outHeader(out, header.getLong(Wire.IN_UNIQUE), -Errno.EIO, 0);
            n = Wire.OUT_HEADER;
        }
        out.transferTo(0, header, 0, Wire.OUT_HEADER);
        if (n > Wire.OUT_HEADER) {
            out.transferTo(Wire.OUT_HEADER, region, GAP, n - Wire.OUT_HEADER);
        }
        header.putInt(ENT_IN_OUT + 16, n - Wire.OUT_HEADER);
        return commit;
    }

    /** Writes one SQE (a fuse uring command for entry {@code e}) at the tail; returns the new tail. */
    private int queue(Pointer sqe, Pointer sqRing, int sqArray, int sqMask, int tail, int e, int cmd, int qid,
            long commit, long iov) {
        int slot = tail & sqMask;
        long at = (long) SQE * slot;
        sqe.setMemory(at, SQE, (byte) 0);
        sqe.putByte(at, (byte) OP_URING_CMD);
        sqe.putInt(at + 4, dev);
        sqe.putInt(at + 8, cmd);                // cmd_op
        if (cmd == CMD_REGISTER) {
            sqe.putLong(at + 16, iov);          // addr: the entry's two iovecs
            sqe.putInt(at + 24, 2);             // len
        }
        sqe.putLong(at + 32, e);                // user_data
        sqe.putLong(at + 48 + 8, commit);       // fuse_uring_cmd_req: flags 0, commit_id, qid
        sqe.putShort(at + 48 + 16, (short) qid);
        sqRing.putInt(sqArray + 4L * slot, slot);
        return tail + 1;
    }

    /** A queue that could not be set up: said, and counted, so that {@link #prepare} promises no queues. */
    private void setupFailed(int qid, String what, int errno) {
        fail(qid, what, errno);
        failed = true;
        prepared.countDown();
    }

    private void fail(int qid, String what, int errno) {
        String m = "fuse-overlay: io_uring queue " + qid + ": " + what + ": " + Native.strerror(errno);
        System.err.println(m);
        if (debug != null && debug != System.err) {
            debug.println(m);
        }
    }
}
