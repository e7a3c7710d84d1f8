package dev.fuseoverlay.fuse.direct;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernel's node ids and what they stand for. Node 1 is the root. Every other node is one merged
 * object, found by its {@link Key}: the inode number the core reports (stable across copy-up), so that
 * hard links share one kernel inode, as on the kernel's overlayfs; except the names of a lower hard link
 * (see {@link Key#of(long, long, String, boolean, boolean, long, boolean)}), one node each, which are each
 * other's {@link #siblings}. A node remembers its live names
 * (parent node, name) to build the merged path the path-based core needs, and how many lookups the
 * kernel holds on it; FORGET gives them back and the node goes when none are left.
 *
 * <p>All methods are short and synchronized on the table; none does I/O.
 */
final class Nodes {
    static final long ROOT = 1;

    /**
     * What one kernel inode stands for: the merged inode number, plus, for a name that must not share its
     * inode with other names of the same number (a lower hard link that copy-up would break, index=off),
     * its parent node and name.
     */
    record Key(long ino, long parent, String name) {
        static Key of(long ino) {
            return new Key(ino, 0, null);
        }

        /**
         * The key of {@code parent/name}: a name of its own for a non-directory still only in a lower layer
         * with more than one link (a lower hard link), unless {@code aliasLowerLinks} (a read-only overlay,
         * where no copy-up can tell the names apart); otherwise the inode number, shared by every name.
         * Names in the upper layer share one node: one upper inode, any of its names reaches it.
         */
        static Key of(long ino, long parent, String name, boolean dir, boolean upper, long nlink, boolean aliasLowerLinks) {
            return !dir && !aliasLowerLinks && !upper && nlink > 1 ? new Key(ino, parent, name) : of(ino);
        }

        // Written out, as in Name: see there.
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.ino == ino && k.parent == parent && Objects.equals(k.name, name);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(ino) * 31 + Long.hashCode(parent) * 17 + Objects.hashCode(name);
        }
    }

    /**
     * One name of a node: a parent node and a name in it. equals and hashCode are written out: a record's
     * generated ones are bootstrapped through java.lang.runtime.ObjectMethods on first use, which spins some
     * 70 method-handle classes in the middle of a fresh server's first requests (40 ms of a first cold
     * {@code find}) and then runs through method handles until the JIT gets to them.
     */
    record Name(long parent, String name) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Name n && n.parent == parent && Objects.equals(n.name, name);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(parent) * 31 + Objects.hashCode(name);
        }
    }

    static final class Node {
        final long id;
        Key key;
        /** The merged inode number, for attributes of a node that has lost its names (unlinked, open). */
        final long ino;
        long lookups;
        final List<Name> names = new ArrayList<>(1);
        /** Real descriptors open on this node (file handles), to serve it once it has no name. */
        final Set<Integer> fds = ConcurrentHashMap.newKeySet();
        /**
         * An O_PATH descriptor of the node's upper object, taken as its last name went while it was open
         * (changed under the node's lock; closed when the kernel forgets the node, or let go if a name is
         * left): what serves the node from then on, -1 if its object is a lower file. The node's open files
         * may be another object's (a reader opened before a copy-up has the lower file, never to be changed).
         */
        volatile int handle = -1;
        /**
         * Passthrough (guarded by the node): the kernel's backing id while files are open through it (every
         * open of an inode in passthrough must use the same one), those descriptors, the descriptors opened
         * the usual way (through the kernel's page cache: no passthrough open may join them), and whether data
         * ever went past the page cache (a later cached open must not keep old pages).
         */
        int backing;
        final Set<Integer> throughFds = new java.util.HashSet<>();
        final Set<Integer> cachedFds = new java.util.HashSet<>();
        volatile boolean wentThrough;

        Node(long id, Key key, long ino) {
            this.id = id;
            this.key = key;
            this.ino = ino;
        }
    }

    private final Map<Long, Node> byId = new HashMap<>();
    private final Map<Key, Node> byKey = new HashMap<>();
    private final Map<Name, Node> byName = new HashMap<>();
    /**
     * The nodes made for one name of a lower hard link, by merged inode number: with the node keyed by
     * that number alone, if any, they are the nodes that show one object. Ordinary nodes are not here.
     */
    private final Map<Long, List<Node>> linkNames = new HashMap<>();
    private long next = ROOT + 1;

    Nodes(long rootIno) {
        Node root = new Node(ROOT, Key.of(rootIno), rootIno);
        root.lookups = 1;
        byId.put(ROOT, root);
    }

    synchronized Node get(long id) {
        return byId.get(id);
    }

    synchronized int size() {
        return byId.size();
    }

    /**
     * The kernel learnt {@code parent/name} (a lookup, create, link or readdirplus entry): finds or makes
     * the node for {@code key}, counts one lookup and records the name (taking it from any node that had it).
     */
    synchronized Node lookedUp(long parent, String name, Key key, long ino) {
        Node n = byKey.get(key);
        if (n == null) {
            n = new Node(next++, key, ino);
            byId.put(n.id, n);
            byKey.put(key, n);
            if (key.name() != null) {
                linkNames.computeIfAbsent(ino, i -> new ArrayList<>(2)).add(n);
            }
        }
        n.lookups++;
        Name nm = new Name(parent, name);
        Node had = byName.put(nm, n);
        if (had != n) {
            if (had != null) {
                had.names.remove(nm);
            }
            n.names.add(nm);
        }
        return n;
    }

    /** The kernel dropped {@code count} lookups of a node; with none left, the node is gone (true). */
    synchronized boolean forget(long id, long count) {
        Node n = byId.get(id);
        if (n == null || id == ROOT) {
            return false;
        }
        n.lookups -= count;
        if (n.lookups > 0) {
            return false;
        }
        byId.remove(id);
        byKey.remove(n.key, n);
        List<Node> same = linkNames.get(n.ino);
        if (same != null && same.remove(n) && same.isEmpty()) {
            linkNames.remove(n.ino);
        }
        for (Name nm : n.names) {
            byName.remove(nm, n);
        }
        n.names.clear();
        return true;
    }

    /**
     * A node's object changed identity (an unaliased lower hard link was copied up and linked): it is now
     * found by {@code key}, unless another node already is.
     */
    synchronized void rekey(Node n, Key key) {
        if (byKey.containsKey(key)) {
            return;
        }
        byKey.remove(n.key, n);
        n.key = key;
        byKey.put(key, n);
    }

    /**
     * The other nodes that show the same merged object as node {@code id} (same inode number): the names
     * of a lower hard link that have a node each. Their cached attributes (and data) go stale when the
     * object changes through {@code id}. Empty for almost every node.
     */
    synchronized List<Long> siblings(long id) {
        Node n = byId.get(id);
        List<Node> same = n == null || id == ROOT ? null : linkNames.get(n.ino);
        if (same == null) {
            return List.of();
        }
        List<Long> ids = new ArrayList<>(same.size());
        for (Node o : same) {
            if (o != n) {
                ids.add(o.id);
            }
        }
        Node shared = byKey.get(Key.of(n.ino));
        if (shared != null && shared != n && !same.contains(shared)) {
            ids.add(shared.id);
        }
        return ids;
    }

    /** The node that has this name now, or null. */
    synchronized Node named(long parent, String name) {
        return byName.get(new Name(parent, name));
    }

    /**
     * A name is about to go (unlink, rmdir, the target of a rename), before its object is removed: once
     * the object is freed its inode number can come back at once for a new object (ext4 reuses it), and a
     * lookup of that one must not find this node, whose names and lookups are the old object's. So the
     * name is taken now, and a node left without names is no longer found by its key (it stays by id until
     * the kernel forgets it). Returns the node (null if none had the name), for {@link #restoreName} should
     * the removal fail.
     */
    synchronized Node takeName(long parent, String name) {
        Name nm = new Name(parent, name);
        Node n = byName.remove(nm);
        if (n != null) {
            n.names.remove(nm);
            if (n.names.isEmpty()) {
                byKey.remove(n.key, n);
            }
        }
        return n;
    }

    /**
     * A node whose last known name went while its object lives on under names the kernel has not looked up
     * (an upper hard link, still open): found by its key again, so that those names reach this inode.
     */
    synchronized void keepKey(Node n) {
        if (byId.get(n.id) == n) {
            byKey.putIfAbsent(n.key, n);
        }
    }

    /** The removal after {@link #takeName} failed: the node has the name again and is found by its key. */
    synchronized void restoreName(long parent, String name, Node n) {
        if (n == null || byId.get(n.id) != n) {
            return; // forgotten meanwhile
        }
        Name nm = new Name(parent, name);
        if (byName.putIfAbsent(nm, n) == null) {
            n.names.add(nm);
        }
        byKey.putIfAbsent(n.key, n);
    }

    /** A rename: the source's node takes the new name, whatever had it loses it. */
    synchronized void rename(long fromParent, String fromName, long toParent, String toName) {
        Name from = new Name(fromParent, fromName);
        Name to = new Name(toParent, toName);
        Node n = byName.remove(from);
        Node target = byName.remove(to);
        if (target != null) {
            target.names.remove(to);
        }
        if (n == null) {
            return;
        }
        n.names.remove(from);
        n.names.add(to);
        byName.put(to, n);
        if (n.key.name() != null) { // an unaliased name is keyed by where it is
            byKey.remove(n.key, n);
            n.key = new Key(n.key.ino(), toParent, toName);
            byKey.putIfAbsent(n.key, n);
        }
    }

    /** The merged path of a node ("/" for the root), or null if it has no name left or an ancestor is unknown. */
    synchronized String path(long id) {
        if (id == ROOT) {
            return "/";
        }
        List<String> parts = new ArrayList<>();
        long cur = id;
        for (int depth = 0; cur != ROOT; depth++) {
            Node n = byId.get(cur);
            if (n == null || n.names.isEmpty() || depth > 4096) {
                return null;
            }
            Name nm = n.names.get(0);
            parts.add(nm.name());
            cur = nm.parent();
        }
        StringBuilder sb = new StringBuilder();
        for (int i = parts.size() - 1; i >= 0; i--) {
            sb.append('/').append(parts.get(i));
        }
        return sb.toString();
    }

    /** The merged path of {@code name} in directory node {@code parent}, or null if the parent has no path. */
    String childPath(long parent, String name) {
        String p = path(parent);
        if (p == null) {
            return null;
        }
        return p.equals("/") ? "/" + name : p + "/" + name;
    }

    /** The inode number of a directory node's parent (for ".."), or the node's own if unknown. */
    synchronized long parentIno(long id) {
        Node n = byId.get(id);
        if (n == null) {
            return 0;
        }
        if (id == ROOT || n.names.isEmpty()) {
            return n.ino;
        }
        Node p = byId.get(n.names.get(0).parent());
        return p == null ? n.ino : p.ino;
    }
}
