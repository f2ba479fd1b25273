/* placeholder: policyset */
