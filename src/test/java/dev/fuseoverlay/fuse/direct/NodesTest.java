package dev.fuseoverlay.fuse.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The node table without a mount. The tree used throughout:
 * <pre>
 *   /            node 1 (ino 100)
 *   ├── d/       ino 200
 *   │   └── f    ino 300, hard link of /g
 *   └── g        ino 300
 * </pre>
 */
class NodesTest {
    private final Nodes nodes = new Nodes(100);

    @Test
    void namesAndKeysAreEqualExactlyWhenTheirPartsAre() {
        List<Object[]> pairs = List.of(
                new Object[] {new Nodes.Name(5, "a"), new Nodes.Name(5, "a"), true},
                new Object[] {new Nodes.Name(5, "a"), new Nodes.Name(6, "a"), false},
                new Object[] {new Nodes.Name(5, "a"), new Nodes.Name(5, "b"), false},
                new Object[] {Nodes.Key.of(7), Nodes.Key.of(7), true},
                new Object[] {Nodes.Key.of(7), Nodes.Key.of(8), false},
                new Object[] {new Nodes.Key(7, 1, "x"), new Nodes.Key(7, 1, "x"), true},
                new Object[] {new Nodes.Key(7, 1, "x"), new Nodes.Key(7, 2, "x"), false},
                new Object[] {new Nodes.Key(7, 1, "x"), new Nodes.Key(7, 1, "y"), false},
                new Object[] {new Nodes.Key(7, 1, "x"), Nodes.Key.of(7), false},
                new Object[] {new Nodes.Name(5, "a"), "a", false});
        for (Object[] p : pairs) {
            assertEquals(p[2], p[0].equals(p[1]), p[0] + " vs " + p[1]);
            assertEquals(p[2], p[1].equals(p[0]), p[1] + " vs " + p[0]);
            if ((Boolean) p[2]) {
                assertEquals(p[0].hashCode(), p[1].hashCode(), p[0] + " hash");
            }
        }
    }

    @Test
    void rootIsNodeOneWithPathSlash() {
        assertEquals("/", nodes.path(Nodes.ROOT));
        assertEquals("/x", nodes.childPath(Nodes.ROOT, "x"));
        assertEquals(100, nodes.get(Nodes.ROOT).ino);
    }

    @Test
    void hardLinksShareOneNodeAndPathsFollowTheParents() {
        Nodes.Node d = nodes.lookedUp(Nodes.ROOT, "d", Nodes.Key.of(200), 200);
        Nodes.Node f = nodes.lookedUp(d.id, "f", Nodes.Key.of(300), 300);
        Nodes.Node g = nodes.lookedUp(Nodes.ROOT, "g", Nodes.Key.of(300), 300);
        assertSame(f, g); // ln /d/f /g: one kernel inode
        assertEquals(2, f.lookups);
        assertEquals("/d/f", nodes.path(f.id));
        assertEquals("/d/f", nodes.childPath(d.id, "f"));
        // rm /d/f: the other name still reaches the object
        nodes.takeName(d.id, "f");
        assertEquals("/g", nodes.path(f.id));
        // mv /d /e: children follow without being touched
        Nodes.Node x = nodes.lookedUp(d.id, "x", Nodes.Key.of(400), 400);
        nodes.rename(Nodes.ROOT, "d", Nodes.ROOT, "e");
        assertEquals("/e/x", nodes.path(x.id));
        assertSame(d, nodes.named(Nodes.ROOT, "e"));
        assertNull(nodes.named(Nodes.ROOT, "d"));
    }

    @Test
    void forgetDropsTheNodeOnlyWhenEveryLookupIsGivenBack() {
        Nodes.Node a = nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(500), 500);
        nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(500), 500);
        nodes.forget(a.id, 1);
        assertSame(a, nodes.get(a.id));
        nodes.forget(a.id, 1);
        assertNull(nodes.get(a.id));
        assertNull(nodes.named(Nodes.ROOT, "a"));
        // looked up again: a new node id (ids are never reused, so generation 0 is always right)
        Nodes.Node again = nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(500), 500);
        assertNotEquals(a.id, again.id);
        nodes.forget(Nodes.ROOT, 5);
        assertEquals("/", nodes.path(Nodes.ROOT)); // the root is never forgotten
    }

    @Test
    void renameOverATargetTakesItsNameAndLeavesItNameless() {
        Nodes.Node a = nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(1), 1);
        Nodes.Node b = nodes.lookedUp(Nodes.ROOT, "b", Nodes.Key.of(2), 2);
        nodes.rename(Nodes.ROOT, "a", Nodes.ROOT, "b");
        assertEquals("/b", nodes.path(a.id));
        assertNull(nodes.path(b.id)); // unlinked, maybe still open: served through its descriptors
        assertSame(a, nodes.named(Nodes.ROOT, "b"));
    }

    @Test
    void aNameLookedUpAsAnotherObjectMovesToThatNode() {
        Nodes.Node old = nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(1), 1);
        Nodes.Node now = nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(2), 2);
        assertNotEquals(old.id, now.id);
        assertNull(nodes.path(old.id));
        assertEquals("/a", nodes.path(now.id));
    }

    @Test
    void unaliasedLowerLinksGetOneNodePerNameAndKeepItAcrossRename() {
        // index=off: two names of one lower file are two inodes, as copy-up will break the link
        Nodes.Node a = nodes.lookedUp(Nodes.ROOT, "a", new Nodes.Key(7, Nodes.ROOT, "a"), 7);
        Nodes.Node b = nodes.lookedUp(Nodes.ROOT, "b", new Nodes.Key(7, Nodes.ROOT, "b"), 7);
        assertNotEquals(a.id, b.id);
        nodes.rename(Nodes.ROOT, "a", Nodes.ROOT, "c");
        assertSame(a, nodes.lookedUp(Nodes.ROOT, "c", new Nodes.Key(7, Nodes.ROOT, "c"), 7));
    }

    @Test
    void rekeyedNodeIsFoundByItsNewKey() {
        // ln a c, where a was an unaliased lower hard link: c must get a's node
        Nodes.Node a = nodes.lookedUp(Nodes.ROOT, "a", new Nodes.Key(7, Nodes.ROOT, "a"), 7);
        nodes.rekey(a, Nodes.Key.of(7));
        assertSame(a, nodes.lookedUp(Nodes.ROOT, "c", Nodes.Key.of(7), 7));
        Nodes.Node b = nodes.lookedUp(Nodes.ROOT, "b", new Nodes.Key(7, Nodes.ROOT, "b"), 7);
        nodes.rekey(b, Nodes.Key.of(7)); // taken: b keeps its own inode
        assertEquals(new Nodes.Key(7, Nodes.ROOT, "b"), b.key);
    }

    @Test
    void aFreedInodeNumberComingBackInANewObjectGetsANodeOfItsOwn() {
        Nodes.Node s = nodes.lookedUp(Nodes.ROOT, "s", Nodes.Key.of(200), 200);
        Nodes.Node f = nodes.lookedUp(s.id, "f", Nodes.Key.of(300), 300);
        // unlink /s/f: the name goes before the file does; the kernel still holds the node (no FORGET yet)
        assertSame(f, nodes.takeName(s.id, "f"));
        // the filesystem gives number 300 to a new directory /a/new at once
        Nodes.Node a = nodes.lookedUp(Nodes.ROOT, "a", Nodes.Key.of(400), 400);
        Nodes.Node created = nodes.lookedUp(a.id, "new", Nodes.Key.of(300), 300);
        assertNotEquals(f.id, created.id, "the new object joined the unlinked file's node");
        assertEquals("/a/new", nodes.path(created.id));
        assertEquals(1, created.lookups);
        assertSame(created, nodes.named(a.id, "new"));
        // the kernel forgets the old one: the new one stays
        assertEquals(true, nodes.forget(f.id, 1));
        assertEquals("/a/new/x", nodes.childPath(created.id, "x"));
        assertSame(created, nodes.get(created.id));
    }

    @Test
    void aFailedRemovalGivesTheNameBack() {
        Nodes.Node d = nodes.lookedUp(Nodes.ROOT, "d", Nodes.Key.of(200), 200);
        assertSame(d, nodes.takeName(Nodes.ROOT, "d")); // rmdir /d ... ENOTEMPTY
        nodes.restoreName(Nodes.ROOT, "d", d);
        assertEquals("/d", nodes.path(d.id));
        assertSame(d, nodes.lookedUp(Nodes.ROOT, "d", Nodes.Key.of(200), 200), "found by its key again");
        assertEquals(2, d.lookups);
        assertNull(nodes.takeName(Nodes.ROOT, "nothing"));
        nodes.restoreName(Nodes.ROOT, "nothing", null); // nothing to give back
    }

    @Test
    void unknownOrOrphanedNodesHaveNoPath() {
        assertNull(nodes.path(42));
        assertNull(nodes.childPath(42, "x"));
        Nodes.Node d = nodes.lookedUp(Nodes.ROOT, "d", Nodes.Key.of(200), 200);
        Nodes.Node f = nodes.lookedUp(d.id, "f", Nodes.Key.of(300), 300);
        nodes.takeName(Nodes.ROOT, "d");
        assertNull(nodes.path(f.id));
        assertEquals(200, nodes.parentIno(f.id)); // ".." of f: d is still known, only nameless
    }

    @Test
    void lowerHardLinksGetANodePerNameUnlessReadOnly() {
        // index=on or off alike: FUSE names only the node, so the core can see the caller's name only
        // if every name of a lower hard link is a node of its own
        assertEquals(new Nodes.Key(7, 5, "env"), Nodes.Key.of(7, 5, "env", false, false, 3, false));
        assertEquals(Nodes.Key.of(7), Nodes.Key.of(7, 5, "env", false, false, 3, true)); // read-only: aliased
        assertEquals(Nodes.Key.of(7), Nodes.Key.of(7, 5, "env", false, true, 3, false)); // upper: one inode
        assertEquals(Nodes.Key.of(7), Nodes.Key.of(7, 5, "solo", false, false, 1, false));
        assertEquals(Nodes.Key.of(7), Nodes.Key.of(7, 5, "dir", true, false, 3, false));
    }

    @Test
    void siblingsAreTheOtherNodesOfOneInodeNumberAndLeaveWhenForgotten() {
        // bin/sh, bin/busybox, usr/bin/env: one lower file, three nodes; bin/solo stands alone
        Nodes.Node sh = nodes.lookedUp(Nodes.ROOT, "sh", new Nodes.Key(7, Nodes.ROOT, "sh"), 7);
        Nodes.Node bb = nodes.lookedUp(Nodes.ROOT, "busybox", new Nodes.Key(7, Nodes.ROOT, "busybox"), 7);
        Nodes.Node env = nodes.lookedUp(Nodes.ROOT, "env", new Nodes.Key(7, Nodes.ROOT, "env"), 7);
        Nodes.Node solo = nodes.lookedUp(Nodes.ROOT, "solo", Nodes.Key.of(8), 8);
        assertEquals("/env", nodes.path(env.id)); // each request names the caller's name
        assertEquals(java.util.List.of(sh.id, bb.id), nodes.siblings(env.id));
        assertEquals(java.util.List.of(bb.id, env.id), nodes.siblings(sh.id));
        assertEquals(java.util.List.of(), nodes.siblings(solo.id));
        assertEquals(java.util.List.of(), nodes.siblings(Nodes.ROOT));
        assertEquals(java.util.List.of(), nodes.siblings(42));
        // ln env env2 after env was linked up: env2 shares env's node, still a sibling of the others
        nodes.rekey(env, Nodes.Key.of(7));
        assertSame(env, nodes.lookedUp(Nodes.ROOT, "env2", Nodes.Key.of(7), 7));
        assertEquals(java.util.List.of(sh.id, bb.id), nodes.siblings(env.id));
        // the kernel forgets busybox: no longer told about changes
        nodes.forget(bb.id, 1);
        assertEquals(java.util.List.of(sh.id), nodes.siblings(env.id));
        nodes.forget(sh.id, 1);
        assertEquals(java.util.List.of(), nodes.siblings(env.id));
    }

    @Test
    void anUpperNameAndALowerNameOfOneObjectAreSiblings() {
        // index=on: bin/sh linked up (keyed by the number), usr/bin/env still lower (a node of its own)
        Nodes.Node up = nodes.lookedUp(Nodes.ROOT, "sh", Nodes.Key.of(9), 9);
        assertEquals(java.util.List.of(), nodes.siblings(up.id));
        Nodes.Node low = nodes.lookedUp(Nodes.ROOT, "env", new Nodes.Key(9, Nodes.ROOT, "env"), 9);
        assertEquals(java.util.List.of(low.id), nodes.siblings(up.id));
        assertEquals(java.util.List.of(up.id), nodes.siblings(low.id));
        nodes.forget(low.id, 1);
        assertEquals(java.util.List.of(), nodes.siblings(up.id));
    }
}
