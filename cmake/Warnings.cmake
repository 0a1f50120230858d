# Warnings are on and must stay clean.
add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                    -Wold-style-cast -Wcast-align -Woverloaded-virtual
                    -Wnull-dereference -Wimplicit-fallthrough
                    -Wno-missing-field-initializers)
