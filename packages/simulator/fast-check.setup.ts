// Property tests generate lists up to the maxLength they state: fast-check's default size ("small")
// would otherwise cap them near ten items, whatever maxLength says.
import fc from "fast-check";

fc.configureGlobal({ defaultSizeToMaxWhenMaxSpecified: true });
