package dev.fuseoverlay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void scalars() {
        assertEquals("null\n", Json.write(null));
        assertEquals("true\n", Json.write(true));
        assertEquals("42\n", Json.write(42));
        assertEquals("1.5\n", Json.write(1.5));
        assertEquals("3\n", Json.write(3.0));
        assertEquals("null\n", Json.write(Double.NaN));
        assertEquals("null\n", Json.write(Double.POSITIVE_INFINITY));
    }

    @Test
    void stringsAreEscaped() {
        assertEquals("\"a\\\"b\\\\c\\nd\\te\\u0001\"\n", Json.write("a\"b\\c\nd\te\u0001"));
    }

    @Test
    void smallObjectsStayOnOneLineNestedOnesAreIndented() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("x", 1);
        inner.put("y", "z");
        Map<String, Object> outer = new LinkedHashMap<>();
        outer.put("a", inner);
        outer.put("list", List.of(1, 2));
        outer.put("empty", new ArrayList<>());
        assertEquals("{\n  \"a\": {\"x\": 1, \"y\": \"z\"},\n  \"list\": [1, 2],\n  \"empty\": []\n}\n", Json.write(outer));
    }

    @Test
    void listsOfObjectsOneObjectPerLine() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("k", 1);
        String s = Json.write(List.of(a, a));
        assertEquals("[\n  {\"k\": 1},\n  {\"k\": 1}\n]\n", s);
        assertTrue(s.chars().filter(c -> c == '{').count() == 2);
    }
}
