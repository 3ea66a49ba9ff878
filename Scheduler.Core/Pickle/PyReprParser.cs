using System.Globalization;
using System.Text;

namespace Scheduler.Core.Pickle;

/// <summary>
/// The inverse of <see cref="PyRepr"/> for task keys: reads "('x', 0, (1, 2.5))" back into its parts, so a key
/// held as its repr can go to a 2024.12 peer as the tuple it was. Only what keys hold is accepted (str, int,
/// float, None, True, False and nested tuples); anything else is "not a tuple key".
/// </summary>
public static class PyReprParser
{
    public static bool TryParseTuple(string text, out object?[] items)
    {
        items = [];
        int pos = 0;
        if (!TryValue(text, ref pos, 0, out var v) || pos != text.Length || v is not object?[] tuple) return false;
        items = tuple;
        return true;
    }

    private static bool TryValue(string s, ref int pos, int depth, out object? value)
    {
        value = null;
        if (pos >= s.Length || depth > 64) return false;
        char c = s[pos];
        if (c == '(') return TryTuple(s, ref pos, depth, out value);
        if (c is '\'' or '"') return TryStr(s, ref pos, out value);
        int start = pos;
        while (pos < s.Length && s[pos] is not (',' or ')' or ' ')) pos++;
        var token = s[start..pos];
        switch (token)
        {
            case "None": value = null; return true;
            case "True": value = true; return true;
            case "False": value = false; return true;
            case "inf": value = double.PositiveInfinity; return true;
            case "-inf": value = double.NegativeInfinity; return true;
            case "nan": value = double.NaN; return true;
        }
        if (token.Length == 0) return false;
        if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) { value = l; return true; }
        if ((token.Contains('.') || token.Contains('e')) &&
            double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) { value = d; return true; }
        return false;
    }

    private static bool TryTuple(string s, ref int pos, int depth, out object? value)
    {
        value = null;
        pos++; // (
        var items = new List<object?>();
        bool trailingComma = false;
        while (true)
        {
            if (pos >= s.Length) return false;
            if (s[pos] == ')') { pos++; break; }
            if (!TryValue(s, ref pos, depth + 1, out var item)) return false;
            items.Add(item);
            if (pos >= s.Length) return false;
            if (s[pos] == ',')
            {
                pos++;
                trailingComma = true;
                if (pos < s.Length && s[pos] == ' ') pos++;
            }
            else if (s[pos] == ')') { pos++; trailingComma = false; break; }
            else return false;
        }
        // "(x)" is not a tuple in Python; "(x,)" is, and so is "()".
        if (items.Count == 1 && !trailingComma) return false;
        value = items.ToArray();
        return true;
    }

    private static bool TryStr(string s, ref int pos, out object? value)
    {
        value = null;
        char quote = s[pos++];
        var sb = new StringBuilder();
        while (pos < s.Length)
        {
            char c = s[pos++];
            if (c == quote) { value = sb.ToString(); return true; }
            if (c != '\\') { sb.Append(c); continue; }
            if (pos >= s.Length) return false;
            char e = s[pos++];
            switch (e)
            {
                case '\\': case '\'': case '"': sb.Append(e); break;
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'x': if (!Hex(s, ref pos, 2, sb)) return false; break;
                case 'u': if (!Hex(s, ref pos, 4, sb)) return false; break;
                case 'U': if (!Hex(s, ref pos, 8, sb)) return false; break;
                default: return false;
            }
        }
        return false;
    }

    private static bool Hex(string s, ref int pos, int n, StringBuilder sb)
    {
        if (pos + n > s.Length || !int.TryParse(s.AsSpan(pos, n), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var cp)) return false;
        pos += n;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        sb.Append(char.ConvertFromUtf32(cp));
        return true;
    }
}
