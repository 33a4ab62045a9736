namespace MLNetMarginLoss.Data;

/// <summary>
/// Marks the label member of a row class: an <c>int</c> (a class index ≥ 0, kept as is) or a <c>string</c>
/// (class names, mapped to indices in ordinal sort order). At most one member of a class may carry it.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false)]
public sealed class LabelColumnAttribute : Attribute
{
}
