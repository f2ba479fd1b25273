/* placeholder: jsonpos */
