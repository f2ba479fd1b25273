/* placeholder: decide */
