/* placeholder: diag */
