using System.Text;

namespace Scheduler.Core.Protocol;

/// <summary>Compact, bounded text rendering of value trees for logs and error messages.</summary>
public static class MsgDebug
{
    public static string Format(object? value, int maxChars = 400)
    {
        var sb = new StringBuilder();
        Append(sb, value, maxChars);
        return sb.Length > maxChars ? sb.ToString(0, maxChars) + "…" : sb.ToString();
    }

    private static void Append(StringBuilder sb, object? v, int max)
    {
        if (sb.Length > max) return;
        switch (v)
        {
            case null: sb.Append("nil"); break;
            case string s: sb.Append('"').Append(s).Append('"'); break;
            case TupleKey t: sb.Append(t.Repr); break;
            case byte[] b: sb.Append("bin[").Append(b.Length).Append(']'); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case MsgMap m:
                sb.Append('{');
                bool first = true;
                foreach (var (k, val) in m)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    Append(sb, k, max);
                    sb.Append(": ");
                    Append(sb, val, max);
                    if (sb.Length > max) break;
                }
                sb.Append('}');
                break;
            case IList<object?> l:
                sb.Append('[');
                for (int i = 0; i < l.Count && sb.Length <= max; i++)
                {
                    if (i > 0) sb.Append(", ");
                    Append(sb, l[i], max);
                }
                sb.Append(']');
                break;
            default: sb.Append(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)); break;
        }
    }
}
