"""Repository tools that are not part of the installed package: the demo (`./dev demo`) and the generator
of the docs pages built from the code (`./dev setup`). They may read paths relative to the repository; the
package never does."""
